import assert from "node:assert/strict";
import { test } from "node:test";
import type { AssistantMessage, Message } from "../../src/models/types.js";
import { emptyUsage } from "../../src/models/types.js";
import { danglingToolCalls, SessionStore } from "../../src/runtime/session-store.js";

test("entries are appended in order and messages read back exactly", () => {
  let t = 1000;
  const store = new SessionStore(":memory:", () => t++);
  const id = store.create({ workspace: "/w", model: "openai/x", title: "task" });
  const msgs: Message[] = [
    { role: "user", content: "héllo 😀", origin: "owner" },
    {
      role: "assistant",
      content: [{ type: "toolCall", id: "c1", name: "read", arguments: { path: "a" } }],
      stopReason: "toolUse",
      usage: emptyUsage(),
      model: "openai/x",
    },
  ];
  store.append(id, "run_start", { model: "openai/x" });
  for (const m of msgs) store.append(id, "message", m);
  assert.deepEqual(store.messages(id), msgs);
  assert.deepEqual(
    store.entries(id).map((e) => [e.seq, e.kind, e.v]),
    [
      [1, "run_start", 1],
      [2, "message", 1],
      [3, "message", 1],
    ],
  );
  assert.deepEqual(
    danglingToolCalls(store.messages(id)).map((c) => c.id),
    ["c1"],
  );
  store.append(id, "message", {
    role: "toolResult",
    toolCallId: "c1",
    toolName: "read",
    content: "x",
    isError: false,
  });
  assert.equal(danglingToolCalls(store.messages(id)).length, 0);
});

test("run outcomes accumulate into the summary; list is most recent first", () => {
  let t = 0;
  const store = new SessionStore(":memory:", () => (t += 10));
  const a = store.create({ workspace: "/w", model: "m/a", title: "first" });
  const b = store.create({ workspace: "/w", model: "m/b", title: "second" });
  const usage = emptyUsage();
  usage.input = 10;
  usage.totalTokens = 10;
  usage.cost.total = 0.5;
  store.recordRun(a, { status: "completed", steps: 2, toolCalls: 1, usage, model: "m/a" });
  store.recordRun(a, {
    status: "limit",
    steps: 3,
    toolCalls: 2,
    usage: structuredClone(usage),
    model: "m/a",
  });
  const s = store.get(a);
  assert.equal(s.steps, 5);
  assert.equal(s.toolCalls, 3);
  assert.equal(s.usage.totalTokens, 20);
  assert.equal(s.usage.cost.total, 1);
  assert.equal(s.status, "limit");
  assert.deepEqual(
    store.list().map((x) => x.id),
    [a, b],
  );
  assert.throws(() => store.get("nope"), /No session "nope".*sessions list/);
});

test("assistant messages keep every field across the round trip", () => {
  const store = new SessionStore(":memory:");
  const id = store.create({ workspace: "/w", model: "m/a", title: "t" });
  const m: AssistantMessage = {
    role: "assistant",
    content: [
      { type: "thinking", thinking: "hmm", signature: "sig" },
      { type: "text", text: "hi" },
      { type: "toolCall", id: "x", name: "n", arguments: {}, invalidArguments: "{" },
    ],
    stopReason: "toolUse",
    usage: emptyUsage(),
    model: "m/a",
  };
  store.append(id, "message", m);
  assert.deepEqual(store.messages(id)[0], m);
});
