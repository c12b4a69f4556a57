#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
node test.js
node -e '
  const s = require(process.cwd() + "/strings.js"), n = require(process.cwd() + "/numbers.js");
  if (s.slugify("A b") !== "a-b" || n.round2(1.234) !== 1.23) process.exit(1);'
! grep -q "function" util.js || exit 1
echo 1 >/logs/verifier/reward.txt
