const assert = require("node:assert");
const { dedupe } = require("./list.js");
assert.deepStrictEqual(dedupe([3, 1, 3, 2, 1]), [3, 1, 2]);
console.log("ok");
