#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
cat > top.sh <<'SH'
#!/bin/bash
tr -cs 'A-Za-z' '\n' < "$1" | tr 'A-Z' 'a-z' | grep -v '^$' | sort | uniq -c | sort -k1,1rn -k2,2 | head -3 | awk '{print $1, $2}'
SH
