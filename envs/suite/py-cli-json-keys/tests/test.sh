#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
echo '{"b": {"y": 1, "x": {"z": [1, 2]}}, "a": 2}' > /tmp/k.json
test "$(python3 keys.py /tmp/k.json)" = "$(printf 'a\nb\nb.x\nb.x.z\nb.y')"
echo 1 >/logs/verifier/reward.txt
