#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
cat > shipping.js <<'JS'
const FREE_SHIPPING_THRESHOLD = 50;
function shippingCost(total) {
  if (total >= FREE_SHIPPING_THRESHOLD) return 0;
  return 5;
}
function missingForFree(total) {
  return Math.max(0, FREE_SHIPPING_THRESHOLD - total);
}
module.exports = { FREE_SHIPPING_THRESHOLD, shippingCost, missingForFree };
JS
