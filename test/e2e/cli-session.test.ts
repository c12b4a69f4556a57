// End to end: crash safety with a real SIGKILL, the interactive chat, and doctor.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { memoryLimitEnforceable } from "../../src/sandbox/index.js";
import { finished, ratchet, sandbox, spawnRatchet } from "../support/cli.js";
import { serve } from "../support/serve.js";

async function waitFor<T>(probe: () => T | undefined, what: string, limitMs = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test("SIGKILL mid-step loses only the step in flight; --session continues with the call marked interrupted", async () => {
  const server = await serve([
    { toolCalls: [{ name: "write", arguments: { path: "a.txt", content: "kept" } }] },
    { toolCalls: [{ id: "call_slow", name: "exec", arguments: { command: "sleep 2" } }] },
    { text: "resumed fine" },
  ]);
  const sb = sandbox();
  const args = ["-m", "openai/x", "--base-url", server.openaiBaseUrl, "-w", sb.workspace];
  const child = spawnRatchet(["run", "do work", "--json", ...args], sb.env);
  const exited = finished(child);
  const db = path.join(sb.home, "ratchet.db");
  // Kill once the slow call has been journaled (it is now executing).
  const sessionId = await waitFor(() => {
    try {
      const conn = new Database(db, { readonly: true, fileMustExist: true });
      try {
        const row = conn.prepare("SELECT session_id FROM entries WHERE data LIKE '%call_slow%'").get() as
          | { session_id: string }
          | undefined;
        return row?.session_id;
      } finally {
        conn.close();
      }
    } catch {
      return undefined;
    }
  }, "the slow tool call to be journaled");
  child.kill("SIGKILL");
  const killed = await exited;
  assert.equal(killed.signal, "SIGKILL");

  const show = JSON.parse((await ratchet(["sessions", "show", sessionId, "--json"], sb.env)).stdout);
  assert.equal(show.session.status, "running");
  const roles = show.entries
    .filter((e: { kind: string }) => e.kind === "message")
    .map((e: { data: { role: string } }) => e.data.role);
  assert.deepEqual(roles, ["user", "assistant", "toolResult", "assistant"]);

  const again = await ratchet(["run", "continue", "--json", "--session", sessionId, ...args], sb.env);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).finalText, "resumed fine");
  const msgs = server.requests[2].json.messages;
  const interrupted = msgs.find(
    (m: { role: string; tool_call_id?: string }) => m.role === "tool" && m.tool_call_id === "call_slow",
  );
  assert.match(interrupted.content, /interrupted/);
  assert.deepEqual(msgs.at(-1), { role: "user", content: "continue" });
});

test("chat: each line is a run in one session; piped input is not lost while a run is going", async () => {
  const server = await serve([{ text: "hi there", delayMs: 20 }, { text: "again" }]);
  const sb = sandbox();
  const r = await ratchet(
    ["chat", "-m", "openai/x", "--base-url", server.openaiBaseUrl, "-w", sb.workspace],
    sb.env,
    { input: "hello\nsecond\n/exit\n" },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /hi there[\s\S]*again/);
  assert.equal(server.requests.length, 2);
  const roles = server.requests[1].json.messages.map((m: { role: string }) => m.role);
  assert.deepEqual(roles, ["system", "user", "assistant", "user"]);
  assert.match(r.stderr, /session: [0-9a-f]{12}/);
});

test("doctor: passes against a reachable server, and says what is wrong otherwise", async () => {
  const server = await serve([]);
  const sb = sandbox();
  const ok = await ratchet(
    ["doctor", "--json", "-m", "openai/x", "--base-url", server.openaiBaseUrl],
    sb.env,
  );
  assert.equal(ok.code, 0, ok.stdout);
  const report = JSON.parse(ok.stdout);
  assert.equal(report.ok, true);
  assert.match(report.checks.find((c: { name: string }) => c.name === "reachable").detail, /x is listed/);
  // The sandbox line says how a command's memory is held on this host.
  const held = memoryLimitEnforceable() ? /memory is held by a cgroup/ : /memory is limited per process only/;
  assert.match(report.checks.find((c: { name: string }) => c.name === "sandbox").detail, held);

  const down = await ratchet(["doctor", "-m", "openai/x", "--base-url", "http://127.0.0.1:9/v1"], sb.env);
  assert.equal(down.code, 1);
  assert.match(down.stdout, /✗ reachable .*nothing is listening there/);

  const nokey = await ratchet(["doctor", "-m", "openai/gpt-4o"], sb.env);
  assert.equal(nokey.code, 1);
  assert.match(nokey.stdout, /✗ credentials .*OPENAI_API_KEY/);

  const nomodel = await ratchet(["doctor"], sb.env);
  assert.equal(nomodel.code, 1);
  assert.match(nomodel.stdout, /✗ model .*--model/);
});
