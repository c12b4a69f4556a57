const assert = require("node:assert");
const u = require("./util.js");
assert.strictEqual(u.slugify(" Hello, World! "), "hello-world");
assert.strictEqual(u.round2(1.005 + 1), 2.01);
console.log("ok");
