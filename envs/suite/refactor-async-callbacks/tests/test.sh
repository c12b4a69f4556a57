#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
node test.js
! grep -q callback store.js main.js || exit 1
echo 1 >/logs/verifier/reward.txt
