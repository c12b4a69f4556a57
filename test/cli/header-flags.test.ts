// --header flags: "Name: value" pairs, values may contain colons, bad input names the fix.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseHeaderFlags } from "../../src/cli/header-flags.js";

test("parses Name: value pairs, keeps colons in values, and refuses a flag without a name", () => {
  assert.equal(parseHeaderFlags([], "X: 1"), undefined);
  assert.deepEqual(parseHeaderFlags(["X-Session-Id: 42", "Authorization:Bearer a:b"], "X: 1"), {
    "X-Session-Id": "42",
    Authorization: "Bearer a:b",
  });
  for (const bad of ["no-colon", ": value-without-name"])
    assert.throws(
      () => parseHeaderFlags([bad], "X-Turn-Type: main"),
      /is not "Name: value"\. Fix: e\.g\. --header "X-Turn-Type: main"/,
    );
});
