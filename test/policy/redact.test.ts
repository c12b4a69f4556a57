// Secret redaction: which values are secrets, and that they are replaced everywhere.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRedactor, secretsFromEnv } from "../../src/policy/redact.js";

describe("redaction", () => {
  it("takes secret-named variables of at least 8 characters from the environment", () => {
    const s = secretsFromEnv({
      OPENAI_API_KEY: "sk-test-SECRET123456",
      GITHUB_TOKEN: "ghp_abcdefgh",
      DB_PASSWORD: "short",
      MY_CREDENTIALS: "hunter2hunter2",
      PATH: "/usr/bin:/bin",
      HOME: "/home/someone",
    }).map((x) => x.name);
    assert.deepEqual(s.sort(), ["GITHUB_TOKEN", "MY_CREDENTIALS", "OPENAI_API_KEY"]);
  });

  it("replaces plain, URL-encoded and base64 forms, longest first, in nested data", () => {
    const r = createRedactor([
      { name: "A", value: "sk-test-SECRET123456" },
      { name: "B", value: "p@ss word+1" },
      { name: "SHORT", value: "1234" },
    ]);
    assert.equal(r.text("key=sk-test-SECRET123456!"), "key=[REDACTED:A]!");
    assert.equal(r.text("u=p%40ss%20word%2B1"), "u=[REDACTED:B]");
    assert.equal(r.text(Buffer.from("sk-test-SECRET123456").toString("base64")), "[REDACTED:A]");
    assert.equal(r.text("1234"), "1234", "short values are not secrets");
    const deep = r.deep({ a: ["x sk-test-SECRET123456"], b: { c: 1, d: "p@ss word+1" } });
    assert.deepEqual(deep, { a: ["x [REDACTED:A]"], b: { c: 1, d: "[REDACTED:B]" } });
  });

  it("with no secrets it is the identity", () => {
    const r = createRedactor([]);
    const o = { a: "x" };
    assert.equal(r.deep(o), o);
  });
});
