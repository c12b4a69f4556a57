#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
node -e '
  const assert = require("node:assert");
  const { clamp } = require(process.cwd() + "/math.js");
  assert.strictEqual(clamp(5, 0, 10), 5);
  assert.strictEqual(clamp(-3, 0, 10), 0);
  assert.strictEqual(clamp(42, 0, 10), 10);
'
echo 1 >/logs/verifier/reward.txt
