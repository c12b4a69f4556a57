#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
cat > colsum.py <<'PY'
import csv
import sys

path, column = sys.argv[1], sys.argv[2]
with open(path, newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
if rows and column not in rows[0]:
    print(f"no column {column}", file=sys.stderr)
    sys.exit(2)
total = sum(float(r[column]) for r in rows)
print(int(total) if total.is_integer() else total)
PY
