#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
cat > emails.sh <<'SH'
#!/bin/bash
grep -oE '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}' "$1" | LC_ALL=C sort -u
SH
