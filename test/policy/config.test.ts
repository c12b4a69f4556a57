// The `policy` section of config.json: shape and regex validation with key paths.
import assert from "node:assert/strict";
import { it } from "node:test";
import { validateConfig } from "../../src/runtime/config.js";

it("accepts rules, approvals and trustWorkspace", () => {
  const c = validateConfig(
    {
      policy: {
        rules: [
          { tool: "exec", args: { command: "/^git push( origin)?$/" }, action: "allow" },
          { tool: "*", action: "ask", reason: "review everything" },
        ],
        approvals: "deny",
        trustWorkspace: true,
      },
    },
    "/x/config.json",
  );
  assert.equal(c.policy?.rules?.length, 2);
});

it("names the file, the key and the fix for bad entries", () => {
  assert.throws(
    () => validateConfig({ policy: { rules: [{ tool: "exec", action: "maybe" }] } }, "/x/config.json"),
    (e: Error) => /\/x\/config\.json/.test(e.message) && /policy\.rules\.0\.action/.test(e.message),
  );
  assert.throws(
    () => validateConfig({ policy: { rules: [{ action: "deny" }] } }, "/x/config.json"),
    /policy\.rules\.0/,
  );
  assert.throws(
    () =>
      validateConfig(
        { policy: { rules: [{ tool: "exec", args: { command: "/(x/" }, action: "deny" }] } },
        "/x/c.json",
      ),
    /policy\.rules\.0\.args\.command: not a valid regular expression/,
  );
  assert.throws(() => validateConfig({ policy: { approvals: "yes" } }, "/x/c.json"), /policy\.approvals/);
  assert.throws(() => validateConfig({ policy: { rule: [] } }, "/x/c.json"), /policy\.rule: unknown key/);
});
