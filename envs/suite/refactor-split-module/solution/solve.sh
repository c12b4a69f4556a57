#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
cat > strings.js <<'JS'
function slugify(s) {
  return s.toLowerCase().trim().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}
module.exports = { slugify };
JS
cat > numbers.js <<'JS'
function round2(x) {
  return Math.round(x * 100) / 100;
}
module.exports = { round2 };
JS
cat > util.js <<'JS'
module.exports = { ...require("./strings.js"), ...require("./numbers.js") };
JS
