#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
node -e '
  const assert = require("node:assert");
  const { parseDuration } = require(process.cwd() + "/duration.js");
  assert.strictEqual(parseDuration("1h30m"), 5400);
  assert.strictEqual(parseDuration("45s"), 45);
  assert.strictEqual(parseDuration("2m5s"), 125);
  assert.strictEqual(parseDuration("12h"), 43200);
'
echo 1 >/logs/verifier/reward.txt
