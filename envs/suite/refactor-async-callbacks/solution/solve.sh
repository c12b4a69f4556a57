#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
cat > store.js <<'JS'
const data = { a: 1, b: 2 };
async function load(key) {
  await new Promise((r) => setImmediate(r));
  if (key in data) return data[key];
  throw new Error(`no key ${key}`);
}
module.exports = { load };
JS
cat > main.js <<'JS'
const { load } = require("./store.js");
async function sum(keys) {
  let total = 0;
  for (const k of keys) total += await load(k);
  return total;
}
module.exports = { sum };
JS
