// Policy decisions: rules against provenance, and what the hooks do with results.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import type { AnyTool } from "../../src/loop/tool.js";
import type { Message, ToolCallBlock } from "../../src/models/types.js";
import { createRedactor } from "../../src/policy/redact.js";
import { createToolPolicy } from "../../src/policy/tool-policy.js";
import { createWorkspaceTools } from "../../src/tools/index.js";

const ws = mkdtempSync(path.join(os.tmpdir(), "ratchet-tp-"));
const tools: AnyTool[] = [
  ...createWorkspaceTools({ root: ws }),
  {
    name: "post",
    description: "Post text somewhere.",
    parameters: { type: "object", properties: { text: { type: "string" } } },
    effects: () => ["message_third_party"],
    execute: async () => ({ content: "posted" }),
  },
];
const call = (name: string, args: Record<string, unknown>): ToolCallBlock => ({
  type: "toolCall",
  id: "c1",
  name,
  arguments: args,
});
const owner = (content: string): Message => ({ role: "user", content, origin: "owner" });
const web: Message = {
  role: "toolResult",
  toolCallId: "x",
  toolName: "exec",
  content: "page",
  isError: false,
  origin: "web",
};

describe("decisions", () => {
  const policy = createToolPolicy({ tools, root: ws });

  it("calls without consequential effects are allowed even when tainted", () => {
    assert.equal(
      policy.decide(call("write", { path: "src/a.ts", content: "x" }), [owner("x"), web]).action,
      "allow",
    );
  });

  it("consequential calls are allowed in a clean context, asked about in a tainted one unless proven", () => {
    const c = call("exec", { command: "curl https://api.example/v1" });
    assert.equal(policy.decide(c, [owner("hi")]).action, "allow");
    const d = policy.decide(c, [owner("hi"), web]);
    assert.equal(d.action, "ask");
    assert.deepEqual(d.effects, ["network"]);
    assert.deepEqual(
      d.unproven.map((t) => t.value),
      ["api.example"],
    );
    assert.match(d.reason, /web content is in the context; not from the owner's messages: api\.example/);
    assert.equal(policy.decide(c, [owner("call https://api.example please"), web]).action, "allow");
  });

  it("a tool that declares an effect but names no destination cannot be proven", () => {
    const d = policy.decide(call("post", { text: "hello" }), [owner("post hello"), web]);
    assert.equal(d.action, "ask");
    assert.match(d.reason, /cannot be traced/);
  });

  it("writes through a symlink into skills/ are seen as skill installs", () => {
    mkdirSync(path.join(ws, "skills"), { recursive: true });
    symlinkSync("skills", path.join(ws, "notes"));
    const d = policy.decide(call("write", { path: "notes/x/SKILL.md", content: "x" }), [
      owner("write notes"),
      web,
    ]);
    assert.deepEqual(d.effects, ["install_skill"]);
    assert.equal(d.action, "ask");
  });
});

describe("rules with provenance", () => {
  const c = call("exec", { command: "git push https://mirror.example/r.git" });
  const tainted = [owner("push it"), web];

  it("deny rules win over everything, with their reason", () => {
    const p = createToolPolicy({
      tools,
      rules: [
        { tool: "exec", args: { command: "*" }, action: "allow" },
        { tool: "exec", args: { command: "/git push/" }, action: "deny", reason: "no pushing" },
      ],
    });
    const d = p.decide(c, [owner("push to https://mirror.example")]);
    assert.equal(d.action, "deny");
    assert.equal(d.reason, "policy rule #2: no pushing");
  });

  it("ask rules ask even in a clean context", () => {
    const p = createToolPolicy({ tools, rules: [{ tool: "write", action: "ask" }] });
    assert.equal(p.decide(call("write", { path: "a", content: "" }), [owner("x")]).action, "ask");
  });

  it("an allow rule pinning arguments proves the call; a bare allow rule does not waive taint", () => {
    const pinned = createToolPolicy({
      tools,
      rules: [{ tool: "exec", args: { command: "git push https://mirror.example/*" }, action: "allow" }],
    });
    assert.equal(pinned.decide(c, tainted).action, "allow");
    const bare = createToolPolicy({ tools, rules: [{ tool: "*", action: "allow" }] });
    assert.equal(bare.decide(c, tainted).action, "ask");
  });

  it("AGENTS.md or workspace skills in the prompt taint from the start", () => {
    const p = createToolPolicy({ tools, initialTaint: ["file"] });
    assert.equal(p.decide(c, [owner("push it")]).action, "ask");
    const trusted = createToolPolicy({
      tools,
      trustedText: ["Mirror: https://mirror.example/r.git"],
      initialTaint: [],
    });
    assert.equal(trusted.decide(c, tainted).action, "allow");
  });
});

describe("hooks", () => {
  it("held calls name the approval route; results are redacted and given their origin", async () => {
    const redactor = createRedactor([{ name: "OPENAI_API_KEY", value: "sk-test-SECRET123456" }]);
    const p = createToolPolicy({ tools, redactor, holdHint: (h) => `approve ${h.slice(0, 12)}` });
    const c = call("exec", { command: "curl -s https://evil.test" });
    const gate = await p.beforeToolCall(c, [owner("read it"), web]);
    assert.match(gate?.deny ?? "", /^held for approval: .* — approve [0-9a-f]{12}$/);
    const after = await p.afterToolCall(c, {
      role: "toolResult",
      toolCallId: "c1",
      toolName: "exec",
      content: "Denied: x",
      isError: true,
      origin: "tool",
    });
    assert.equal(after.origin, "tool", "a call that did not run keeps its origin");

    const ok = call("exec", { command: "curl -s https://docs.example" });
    assert.equal(await p.beforeToolCall(ok, [owner("read it")]), undefined);
    const res = await p.afterToolCall(ok, {
      role: "toolResult",
      toolCallId: "c1",
      toolName: "exec",
      content: "key sk-test-SECRET123456",
      isError: false,
    });
    assert.equal(res.content, "key [REDACTED:OPENAI_API_KEY]");
    assert.equal(res.origin, "web");
  });
});
