#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
node -e '
  const assert = require("node:assert");
  const { capitalize } = require(process.cwd() + "/text.js");
  assert.strictEqual(capitalize("hello big world"), "Hello Big World");
  assert.strictEqual(capitalize("a"), "A");
  assert.strictEqual(capitalize(""), "");
  assert.strictEqual(capitalize("mIxed caSe"), "MIxed CaSe");
'
echo 1 >/logs/verifier/reward.txt
