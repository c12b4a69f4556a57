#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
test "$(bash total.sh)" = "42"
printf 'region\titem\tamount\nx\ty z\t5\n' > sales.tsv
test "$(bash total.sh)" = "5"
echo 1 >/logs/verifier/reward.txt
