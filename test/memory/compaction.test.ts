// Compaction: the flush to memory always comes first and its failure stops the compaction; tool
// calls stay paired with their results; the view is stable after a compaction; and in a real run
// the summary is journaled in the session and the facts land in the memory files.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { type CompactionRecord, chooseCut, createCompactor, viewOf } from "../../src/memory/compaction.js";
import type { AssistantMessage, Message, ToolResultMessage } from "../../src/models/types.js";
import { emptyUsage } from "../../src/models/types.js";
import { startTask } from "../../src/runtime/run-task.js";
import { SessionStore } from "../../src/runtime/session-store.js";
import { scriptedStream, testModel } from "../support/scripted-stream.js";
import { freshMemory, tempDirs } from "./helpers.js";

const big = (n: number) => "x".repeat(n);
const user = (content: string): Message => ({ role: "user", content });
const call = (id: string): AssistantMessage => ({
  role: "assistant",
  content: [{ type: "toolCall", id, name: "read", arguments: { path: "f" } }],
  stopReason: "toolUse",
  usage: emptyUsage(),
  model: "t/t",
});
const result = (id: string, content: string): ToolResultMessage => ({
  role: "toolResult",
  toolCallId: id,
  toolName: "read",
  content,
  isError: false,
});
const say = (text: string): AssistantMessage => ({
  role: "assistant",
  content: [{ type: "text", text }],
  stopReason: "stop",
  usage: emptyUsage(),
  model: "t/t",
});

/** Every tool result in `view` follows its call, and every call in `view` has its result. */
function assertPaired(view: Message[]) {
  const calls = new Set<string>();
  const answered = new Set<string>();
  for (const m of view) {
    if (m.role === "assistant") for (const b of m.content) if (b.type === "toolCall") calls.add(b.id);
    if (m.role === "toolResult") {
      assert.ok(calls.has(m.toolCallId), `result ${m.toolCallId} without its call`);
      answered.add(m.toolCallId);
    }
  }
  for (const id of calls) assert.ok(answered.has(id), `call ${id} without its result`);
}

function conversation(): Message[] {
  return [
    user("Set up the project; I prefer squash merges."),
    call("a"),
    result("a", big(3000)),
    say("Read it."),
    user("Now the tests."),
    call("b"),
    result("b", big(3000)),
    call("c"),
    result("c", big(3000)),
    say("Tests pass."),
    user("Deploy please."),
  ];
}

test("facts are flushed to memory before the summary, then the view is summary + recent messages", async () => {
  const { workspace, memory } = freshMemory();
  const s = scriptedStream([
    { text: "- The user prefers squash merges.\n- Tests live in test/." },
    { text: "Project set up; tests pass." },
  ]);
  const records: CompactionRecord[] = [];
  const compact = createCompactor({
    model: testModel,
    stream: s.fn,
    contextWindow: 2000,
    keepRecentTokens: 800,
    flush: async (facts) => {
      assert.equal(s.calls.length, 1, "flush happens before the summary call");
      memory.write(facts, { origin: "compaction" });
    },
    record: (c) => records.push(c),
  });
  const msgs = conversation();
  const view = await compact(msgs, new AbortController().signal);
  assert.equal(records.length, 1);
  assert.match(s.calls[0].systemPrompt, /facts worth remembering/);
  assert.deepEqual(s.calls[0].tools, []);
  assert.match(String(s.calls[0].messages[0].content), /I prefer squash merges/);
  const note = readdirSync(path.join(workspace, "memory"))[0];
  const text = readFileSync(path.join(workspace, "memory", note), "utf8");
  assert.match(text, /\[compaction\] The user prefers squash merges\./);
  assert.match(text, /\[compaction\] Tests live in test\//);
  assert.equal((await memory.search("squash merges"))[0].source, `memory/${note}`);

  assert.match(
    String(view[0].content),
    /^\[Summary of the earlier conversation.*\nProject set up; tests pass\.$/s,
  );
  assert.deepEqual(view.slice(1), msgs.slice(records[0].firstKept));
  assertPaired(view);
  assert.ok(view.length < msgs.length);

  // The next request sees the same prefix (bytes), plus the new messages.
  const more = [...msgs, say("Deploying."), user("Thanks")];
  const next = await compact(more, new AbortController().signal);
  assert.equal(JSON.stringify(next.slice(0, view.length)), JSON.stringify(view));
  assert.equal(s.calls.length, 2, "no second compaction while under the threshold");
  memory.close();
});

test("no flush, no compaction: a failing flush or fact extraction leaves the context untouched", async () => {
  for (const failure of ["write", "model"] as const) {
    const s = scriptedStream(
      failure === "model" ? [{ error: "overloaded" }] : [{ text: "- fact" }, { text: "summary" }],
    );
    const records: CompactionRecord[] = [];
    const events: string[] = [];
    const compact = createCompactor({
      model: testModel,
      stream: s.fn,
      contextWindow: 2000,
      flush: async () => {
        throw new Error("disk full");
      },
      record: (c) => records.push(c),
      onEvent: (e) => events.push(e.type === "compaction_refused" ? e.reason : e.type),
    });
    const msgs = conversation();
    const view = await compact(msgs, new AbortController().signal);
    assert.equal(view, msgs);
    assert.equal(records.length, 0);
    assert.equal(s.calls.length, 1, "the summary is never requested");
    assert.match(
      events[0],
      failure === "model" ? /memory flush failed: overloaded/ : /memory flush failed: disk full/,
    );
  }
});

test("a failed summary or an unrecordable compaction is refused too", async () => {
  const s = scriptedStream([{ text: "NONE" }, { error: "boom" }]);
  const events: string[] = [];
  const compact = createCompactor({
    model: testModel,
    stream: s.fn,
    contextWindow: 2000,
    flush: async (facts) => assert.deepEqual(facts, []),
    record: () => assert.fail("must not record"),
    onEvent: (e) => events.push(e.type),
  });
  const msgs = conversation();
  assert.equal(await compact(msgs, new AbortController().signal), msgs);
  assert.deepEqual(events, ["compaction_refused"]);
  const s2 = scriptedStream([{ text: "NONE" }, { text: "sum" }]);
  const c2 = createCompactor({
    model: testModel,
    stream: s2.fn,
    contextWindow: 2000,
    flush: async () => {},
    record: () => {
      throw new Error("store closed");
    },
  });
  assert.equal(await c2(msgs, new AbortController().signal), msgs);
});

test("the cut never separates a tool call from its result (randomised)", () => {
  let seed = 11;
  const rnd = (n: number) => {
    seed = (seed * 48271) % 2147483647;
    return seed % n;
  };
  for (let trial = 0; trial < 300; trial++) {
    const msgs: Message[] = [user("start")];
    let id = 0;
    for (let t = 0; t < 3 + rnd(10); t++) {
      const k = rnd(4);
      if (k === 0) msgs.push(user(big(rnd(400))));
      else if (k === 1) msgs.push(say(big(rnd(400))));
      else {
        const calls = 1 + rnd(3);
        const ids = Array.from({ length: calls }, () => `c${id++}`);
        msgs.push({
          ...call(ids[0]),
          content: ids.map((i) => ({ type: "toolCall" as const, id: i, name: "read", arguments: {} })),
        });
        for (const i of ids) msgs.push(result(i, big(rnd(800))));
      }
    }
    const start = rnd(2);
    const cut = chooseCut(msgs, start, rnd(600));
    assert.ok(cut < msgs.length);
    assert.notEqual(msgs[cut].role, "toolResult");
    const view = viewOf(msgs, {
      summary: "s",
      firstKept: Math.max(cut, 1),
      messagesAtCompaction: msgs.length,
      facts: [],
      tokensBefore: 0,
    });
    if (msgs[Math.max(cut, 1)].role !== "toolResult") assertPaired(view);
  }
});

test("in a run: the compaction is journaled in the session and the facts are in the memory files", async () => {
  const { home, workspace } = tempDirs();
  writeFileSync(path.join(workspace, "big.txt"), `${"log line\n".repeat(2500)}`);
  const store = new SessionStore(":memory:");
  const s = scriptedStream([
    { calls: [{ name: "read", args: { path: "big.txt" } }] },
    { text: "- big.txt is a log of 2500 lines." },
    { text: "The agent read big.txt (2500 log lines)." },
    { text: "done" },
  ]);
  const t = await startTask({
    home,
    workspace,
    config: {
      models: { "openai/test": { contextWindow: 4000 } },
      memory: { compaction: { threshold: 0.5, keepRecentTokens: 100 } },
    },
    store,
    input: "Summarise big.txt",
    overrides: { model: "openai/test", baseUrl: "http://127.0.0.1:9/v1" },
    stream: s.fn,
  });
  for await (const _ of t.run) {
  }
  assert.equal((await t.run.result).status, "completed");
  const entries = store.entries(t.sessionId);
  const compaction = entries.find((e) => e.kind === "compaction");
  assert.ok(compaction, "a compaction entry is stored");
  const rec = compaction.data as CompactionRecord;
  assert.equal(rec.summary, "The agent read big.txt (2500 log lines).");
  assert.deepEqual(rec.facts, ["big.txt is a log of 2500 lines."]);
  assert.equal(rec.firstKept, 1);
  // The model's last call saw the summary first, then the tool call and its result.
  const last = s.calls[3].messages;
  assert.match(String(last[0].content), /^\[Summary/);
  assert.equal(last[1].role, "assistant");
  assert.equal(last[2].role, "toolResult");
  const notes = readdirSync(path.join(workspace, "memory"));
  assert.match(
    readFileSync(path.join(workspace, "memory", notes[0]), "utf8"),
    /big\.txt is a log of 2500 lines\./,
  );
  // The memory tools were offered and the prompt asks to search memory.
  assert.deepEqual(
    s.calls[0].tools.map((x) => x.name).filter((n) => n.startsWith("memory_")),
    ["memory_search", "memory_get", "memory_write"],
  );
  assert.match(s.calls[0].systemPrompt, /memory_search/);
});
