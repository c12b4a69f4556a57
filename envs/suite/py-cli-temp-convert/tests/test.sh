#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
test "$(python3 temp.py 100C)" = "212.0F"
test "$(python3 temp.py 32F)" = "0.0C"
test "$(python3 temp.py -40C)" = "-40.0F"
test "$(python3 temp.py 37.5C)" = "99.5F"
rc=0; python3 temp.py banana 2>/dev/null || rc=$?
test $rc -eq 1
echo 1 >/logs/verifier/reward.txt
