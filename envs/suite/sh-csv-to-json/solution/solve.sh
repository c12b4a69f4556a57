#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
cat > tojson.sh <<'SH'
#!/bin/bash
awk -F, 'NR > 1 { printf "{\"name\":\"%s\",\"age\":%d}\n", $1, $2 }' people.csv
SH
