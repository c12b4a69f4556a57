#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
cat > wc.py <<'PY'
import sys

text = open(sys.argv[1], encoding="utf-8").read()
print(len(text.splitlines()), len(text.split()), len(text))
PY
