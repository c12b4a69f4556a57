#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
node -e '
  const assert = require("node:assert");
  const { sumRange } = require(process.cwd() + "/range.js");
  assert.strictEqual(sumRange(1, 3), 6);
  assert.strictEqual(sumRange(5, 5), 5);
  assert.strictEqual(sumRange(-2, 2), 0);
  assert.strictEqual(sumRange(1, 100), 5050);
'
echo 1 >/logs/verifier/reward.txt
