const assert = require("node:assert");
const { sumRange } = require("./range.js");
assert.strictEqual(sumRange(1, 3), 6);
console.log("ok");
