// Approval binding: hashes over canonical {tool, arguments}, and the SQLite ledger.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { callHash, canonicalJson } from "../../src/policy/approvals.js";
import { ApprovalStore } from "../../src/runtime/approval-store.js";

describe("call hashes", () => {
  it("key order does not matter; any changed argument does", () => {
    const a = callHash("exec", { command: "curl https://a.test", timeout: 5 });
    assert.equal(a, callHash("exec", { timeout: 5, command: "curl https://a.test" }));
    assert.notEqual(a, callHash("exec", { command: "curl https://b.test", timeout: 5 }));
    assert.notEqual(a, callHash("exec", { command: "curl https://a.test ", timeout: 5 }));
    assert.notEqual(a, callHash("exec", { command: "curl https://a.test", timeout: 6 }));
    assert.notEqual(a, callHash("exec", { command: "curl https://a.test" }));
    assert.notEqual(a, callHash("shell", { command: "curl https://a.test", timeout: 5 }));
    assert.match(a, /^[0-9a-f]{64}$/);
  });

  it("canonical JSON sorts keys at every depth", () => {
    assert.equal(canonicalJson({ b: [{ y: 1, x: 2 }], a: null }), '{"a":null,"b":[{"x":2,"y":1}]}');
  });
});

describe("approval store", () => {
  const req = (cmd: string) => ({
    hash: callHash("exec", { command: cmd }),
    tool: "exec",
    arguments: { command: cmd },
    reason: "uses the network",
  });

  it("holds, lists, approves once, and re-holds after use", () => {
    const s = new ApprovalStore(":memory:");
    const a = req("curl https://a.test");
    s.hold(a, "sess1");
    s.hold(a, "sess1");
    assert.equal(s.pending().length, 1);
    assert.equal(s.take(a.hash), undefined, "not answered yet");
    assert.equal(s.approve(a.hash.slice(0, 12)).hash, a.hash);
    assert.equal(s.pending().length, 0);
    assert.equal(
      s.take(callHash("exec", { command: "curl https://b.test" })),
      undefined,
      "another call is not approved",
    );
    assert.equal(s.take(a.hash), "approve");
    assert.equal(s.take(a.hash), undefined, "an approval is used once");
    s.hold(a, "sess2");
    assert.equal(s.pending()[0].sessionId, "sess2");
    s.close();
  });

  it("denials stay; ids must be unique prefixes of at least 8 characters", () => {
    const s = new ApprovalStore(":memory:");
    const a = req("curl https://a.test");
    s.hold(a);
    assert.throws(() => s.deny(a.hash.slice(0, 4)), /No held call/);
    assert.throws(() => s.deny("ffffffffffff"), /No held call/);
    s.deny(a.hash);
    assert.equal(s.take(a.hash), "deny");
    assert.equal(s.take(a.hash), "deny");
    s.hold(a);
    assert.equal(s.pending().length, 0, "a denied call is not held again");
    s.close();
  });
});
