const assert = require("node:assert");
const { capitalize } = require("./text.js");
assert.strictEqual(capitalize("hello big world"), "Hello Big World");
console.log("ok");
