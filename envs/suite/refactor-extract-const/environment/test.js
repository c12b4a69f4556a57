const assert = require("node:assert");
const s = require("./shipping.js");
assert.strictEqual(s.shippingCost(60), 0);
assert.strictEqual(s.shippingCost(10), 5);
assert.strictEqual(s.missingForFree(45), 5);
console.log("ok");
