#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
cat > errors.sh <<'SH'
#!/bin/bash
cat logs/*.log | awk '$2 == "ERROR" { print $3 }' | sort | uniq -c | awk '{ print $2, $1 }'
SH
