#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
printf 'a,b\n1,2.5\n4,0\n5,1\n' > /tmp/t.csv
test "$(python3 colsum.py /tmp/t.csv a)" = "10"
test "$(python3 colsum.py /tmp/t.csv b)" = "3.5"
rc=0; python3 colsum.py /tmp/t.csv zzz 2>/dev/null || rc=$?
test $rc -eq 2
echo 1 >/logs/verifier/reward.txt
