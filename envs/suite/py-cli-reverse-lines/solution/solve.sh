#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
cat > tac.py <<'PY'
import sys

lines = sys.stdin.read().splitlines()
number = "-n" in sys.argv[1:]
for i in range(len(lines) - 1, -1, -1):
    print(f"{i + 1}\t{lines[i]}" if number else lines[i])
PY
