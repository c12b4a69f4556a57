#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
node -e '
  const assert = require("node:assert");
  const { dedupe } = require(process.cwd() + "/list.js");
  assert.deepStrictEqual(dedupe([3, 1, 3, 2, 1]), [3, 1, 2]);
  assert.deepStrictEqual(dedupe(["b", "a", "b"]), ["b", "a"]);
  assert.deepStrictEqual(dedupe([]), []);
'
echo 1 >/logs/verifier/reward.txt
