#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
printf 'The cat and the dog. A cat! the END and\n' > /tmp/w.txt
test "$(bash top.sh /tmp/w.txt)" = "$(printf '3 the\n2 and\n2 cat')"
echo 1 >/logs/verifier/reward.txt
