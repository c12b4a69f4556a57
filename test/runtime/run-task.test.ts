import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { startTask } from "../../src/runtime/run-task.js";
import { SessionStore } from "../../src/runtime/session-store.js";
import { scriptedStream, type Turn } from "../support/scripted-stream.js";

function setup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ratchet-rt-"));
  const home = path.join(dir, "home");
  const workspace = path.join(dir, "ws");
  mkdirSync(home);
  mkdirSync(workspace);
  return { home, workspace };
}

async function runOnce(
  turns: Turn[],
  opts: { store?: SessionStore; sessionId?: string; home?: string; workspace?: string } = {},
) {
  const dirs = opts.home && opts.workspace ? { home: opts.home, workspace: opts.workspace } : setup();
  const store = opts.store ?? new SessionStore(":memory:");
  const s = scriptedStream(turns);
  const t = await startTask({
    ...dirs,
    config: {},
    store,
    input: "task",
    overrides: { model: "openai/test", baseUrl: "http://127.0.0.1:9/v1" },
    stream: s.fn,
    ...(opts.sessionId ? { sessionId: opts.sessionId } : {}),
  });
  for await (const _ of t.run) {
  }
  return { result: await t.run.result, sessionId: t.sessionId, store, calls: s.calls, ...dirs };
}

test("every message is journaled in order, with run start and end", async () => {
  const r = await runOnce([
    { calls: [{ name: "write", args: { path: "f.txt", content: "x" } }] },
    { text: "ok" },
  ]);
  assert.equal(r.result.status, "completed");
  const kinds = r.store
    .entries(r.sessionId)
    .map((e) => (e.kind === "message" ? (e.data as { role: string }).role : e.kind));
  assert.deepEqual(kinds, ["run_start", "user", "assistant", "toolResult", "assistant", "run_end"]);
  assert.equal(r.store.get(r.sessionId).status, "completed");
});

test("the system prompt holds AGENTS.md and skill summaries, is stable, and the skill tool loads bodies", async () => {
  const { home, workspace } = setup();
  writeFileSync(path.join(workspace, "AGENTS.md"), "Always use tabs.");
  mkdirSync(path.join(workspace, "skills", "deploy"), { recursive: true });
  writeFileSync(
    path.join(workspace, "skills", "deploy", "SKILL.md"),
    "---\nname: deploy\ndescription: >\n  Ship the app\n  to prod.\n---\nRun ./ship.sh then verify.\n",
  );
  mkdirSync(path.join(home, "skills", "broken"), { recursive: true });
  writeFileSync(path.join(home, "skills", "broken", "SKILL.md"), "no front matter");
  const a = await runOnce([{ calls: [{ name: "skill", args: { name: "deploy" } }] }, { text: "ok" }], {
    home,
    workspace,
  });
  const b = await runOnce([{ text: "ok" }], { home, workspace });
  const prompt = a.calls[0].systemPrompt;
  assert.match(prompt, /Always use tabs\./);
  assert.match(prompt, /- deploy: Ship the app to prod\./);
  assert.doesNotMatch(prompt, /Run \.\/ship\.sh/);
  assert.equal(prompt, b.calls[0].systemPrompt);
  assert.doesNotMatch(prompt, /20\d\d-\d\d-\d\d|[0-9a-f]{12}/);
  assert.deepEqual(
    a.calls[0].tools.map((t) => t.name),
    ["read", "write", "edit", "list", "grep", "exec", "skill", "memory_search", "memory_get", "memory_write"],
  );
  const body = a.calls[1].messages.at(-1) as { content: string };
  assert.match(body.content, /Run \.\/ship\.sh then verify\./);
});

test("no skills, no skill tool: nothing unused is paid for", async () => {
  const r = await runOnce([{ text: "ok" }]);
  assert.deepEqual(
    r.calls[0].tools.map((t) => t.name),
    ["read", "write", "edit", "list", "grep", "exec", "memory_search", "memory_get", "memory_write"],
  );
});

test("a store that fails mid-run stops the run with a clear error instead of acting unrecorded", async () => {
  class FailingStore extends SessionStore {
    n = 0;
    override append(id: string, kind: "message" | "run_start" | "run_end", data: unknown): number {
      if (++this.n === 4) throw new Error("disk I/O error");
      return super.append(id, kind, data);
    }
  }
  const store = new FailingStore(":memory:");
  const r = await runOnce(
    [
      { calls: [{ name: "write", args: { path: "a", content: "1" } }] },
      { calls: [{ name: "write", args: { path: "b", content: "2" } }] },
      { text: "ok" },
    ],
    { store },
  );
  assert.equal(r.result.status, "error");
  assert.match(r.result.reason ?? "", /could not write session .*disk I\/O error/);
  assert.ok(r.calls.length <= 2, "the loop must stop soon after the store fails");
});
