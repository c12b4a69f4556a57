#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
echo 'function clamp(x, lo, hi) {
  return Math.min(hi, Math.max(lo, x));
}
module.exports = { clamp };' > math.js
