const assert = require("node:assert");
const cart = require("./cart.js");
const { report } = require("./report.js");
const fn = cart.computeTotal ?? cart.calc;
assert.strictEqual(fn([{ price: 2, qty: 3 }]), 6);
assert.strictEqual(report([{ price: 1, qty: 1 }]), "total: 1");
console.log("ok");
