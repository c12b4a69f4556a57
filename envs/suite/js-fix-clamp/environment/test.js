const assert = require("node:assert");
const { clamp } = require("./math.js");
assert.strictEqual(clamp(5, 0, 10), 5);
console.log("ok");
