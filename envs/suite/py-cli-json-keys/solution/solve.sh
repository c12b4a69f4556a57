#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
cat > keys.py <<'PY'
import json
import sys


def walk(obj, prefix):
    for key, value in obj.items():
        path = f"{prefix}.{key}" if prefix else key
        yield path
        if isinstance(value, dict):
            yield from walk(value, path)


with open(sys.argv[1], encoding="utf-8") as f:
    data = json.load(f)
for p in sorted(walk(data, "")):
    print(p)
PY
