const assert = require("node:assert");
const { load } = require("./store.js");
const { sum } = require("./main.js");
(async () => {
  assert.strictEqual(await load("a"), 1);
  await assert.rejects(load("zz"));
  assert.strictEqual(await sum(["a", "b"]), 3);
  console.log("ok");
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
