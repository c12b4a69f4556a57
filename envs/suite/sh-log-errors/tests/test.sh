#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
test "$(bash errors.sh)" = "$(printf 'api 2\ndb 1\nweb 1')"
printf '2024 ERROR zz x\n' > logs/c.log
test "$(bash errors.sh | tail -1)" = "zz 1"
echo 1 >/logs/verifier/reward.txt
