#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
cat > temp.py <<'PY'
import re
import sys

m = re.fullmatch(r"(-?\d+(?:\.\d+)?)([CF])", sys.argv[1] if len(sys.argv) > 1 else "")
if not m:
    print("usage: temp.py <number>C|F", file=sys.stderr)
    sys.exit(1)
value, unit = float(m.group(1)), m.group(2)
if unit == "C":
    print(f"{round(value * 9 / 5 + 32, 1)}F")
else:
    print(f"{round((value - 32) * 5 / 9, 1)}C")
PY
