#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
test "$(printf 'a\nb\nc\n' | python3 tac.py)" = "$(printf 'c\nb\na')"
test "$(printf 'a\nb\n' | python3 tac.py -n)" = "$(printf '2\tb\n1\ta')"
echo 1 >/logs/verifier/reward.txt
