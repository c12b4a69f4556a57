#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
printf 'one two\nthree\n\nfour five six\n' > /tmp/in.txt
test "$(python3 wc.py /tmp/in.txt)" = "4 6 29"
printf '' > /tmp/empty.txt
test "$(python3 wc.py /tmp/empty.txt)" = "0 0 0"
echo 1 >/logs/verifier/reward.txt
