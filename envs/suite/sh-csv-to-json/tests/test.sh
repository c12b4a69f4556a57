#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
test "$(bash tojson.sh)" = "$(printf '{"name":"Ann","age":31}\n{"name":"Bo","age":7}')"
bash tojson.sh | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'
echo 1 >/logs/verifier/reward.txt
