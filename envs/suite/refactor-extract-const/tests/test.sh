#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
node test.js
node -e 'const s = require(process.cwd() + "/shipping.js"); if (s.FREE_SHIPPING_THRESHOLD !== 50) process.exit(1)'
test "$(grep -c '\b50\b' shipping.js)" = "1"
echo 1 >/logs/verifier/reward.txt
