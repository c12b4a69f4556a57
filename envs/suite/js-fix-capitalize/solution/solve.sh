#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
cat > text.js <<'JS'
function capitalize(s) {
  return s
    .split(" ")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ");
}
module.exports = { capitalize };
JS
