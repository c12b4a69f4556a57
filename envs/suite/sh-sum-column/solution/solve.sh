#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
cat > total.sh <<'SH'
#!/bin/bash
awk -F'\t' 'NR > 1 { s += $3 } END { print s + 0 }' sales.tsv
SH
