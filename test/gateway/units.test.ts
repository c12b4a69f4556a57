// Gateway pieces without sockets: the auth limiter (injected clock), credential detection in URLs,
// recovery reads of the session log, idempotency keys in exec's environment, and routes through
// hono's app.request().
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { createApp } from "../../src/gateway/app.js";
import { AuthLimiter, hasTokenInQuery } from "../../src/gateway/auth.js";
import { IDEMPOTENCY_ENV, withIdempotencyKey } from "../../src/gateway/idempotency.js";
import { InboxStore } from "../../src/gateway/inbox.js";
import { messageProgress, replyTo } from "../../src/gateway/progress.js";
import { RunManager } from "../../src/gateway/run-manager.js";
import { ApprovalStore } from "../../src/runtime/approval-store.js";
import type { Entry } from "../../src/runtime/session-store.js";
import { SessionStore } from "../../src/runtime/session-store.js";
import type { ExecRequest } from "../../src/tools/exec-backend.js";

test("the limiter allows free failures, then locks out exponentially; success clears", () => {
  let now = 0;
  const l = new AuthLimiter({ freeFailures: 2, baseMs: 1000, maxMs: 8000, maxEntries: 100 }, () => now);
  assert.equal(l.fail("a"), 0);
  assert.equal(l.fail("a"), 1);
  assert.equal(l.fail("a"), 2);
  assert.equal(l.fail("a"), 4);
  assert.equal(l.fail("a"), 8);
  assert.equal(l.fail("a"), 8, "capped");
  assert.equal(l.retryAfter("b"), 0, "per address");
  now += 8000;
  assert.equal(l.retryAfter("a"), 0);
  l.succeed("a");
  assert.equal(l.fail("a"), 0);
});

test("credential-like query parameters are detected; others are not", () => {
  assert.equal(hasTokenInQuery("/api/sessions?token=x"), true);
  assert.equal(hasTokenInQuery("/api/ws?Access_Token=x&a=1"), true);
  assert.equal(hasTokenInQuery("/api/sessions?limit=5"), false);
  assert.equal(hasTokenInQuery("/api/sessions"), false);
});

const e = (seq: number, kind: Entry["kind"], data: unknown): Entry => ({ seq, ts: 0, kind, v: 1, data });
const call = (id: string) => ({
  role: "assistant",
  content: [{ type: "toolCall", id, name: "exec", arguments: {} }],
  stopReason: "toolUse",
});
const result = (id: string, content: string) => ({
  role: "toolResult",
  toolCallId: id,
  toolName: "exec",
  content,
});
const say = (text: string) => ({ role: "assistant", content: [{ type: "text", text }], stopReason: "stop" });

test("recovery reads: crash-repaired steps do not count, so a re-run step keeps its key", () => {
  const log = [
    e(1, "run_start", { messageId: "m1" }),
    e(2, "message", { role: "user", content: "do it" }),
    e(3, "message", call("c1")),
    e(4, "message", result("c1", "ok")),
    e(5, "message", call("c2")),
    e(6, "run_start", { messageId: "m1", resumed: true }),
    e(7, "message", result("c2", "Error: interrupted — the previous run stopped")),
  ];
  const p = messageProgress(log, "m1", "do it");
  assert.deepEqual(
    { started: p.started, inputStored: p.inputStored, completed: p.completed, answered: p.answered },
    { started: true, inputStored: true, completed: false, answered: false },
  );
  assert.equal(p.completedSteps, 1, "step 2 was interrupted: its re-run is step 2 again");
  const answered = [...log, e(8, "message", say("done"))];
  assert.equal(messageProgress(answered, "m1", "do it").answered, true);
  assert.equal(messageProgress(answered, "m2", "x").started, false);
});

test("replies are derived per message, including one delivered into another's run", () => {
  const log = [
    e(1, "run_start", { messageId: "m1" }),
    e(2, "message", { role: "user", content: "first" }),
    e(3, "message", say("answer one")),
    e(4, "message", { role: "user", content: "second" }),
    e(5, "message", say("answer two")),
    e(6, "run_end", {}),
  ];
  assert.equal(replyTo(log, "m1", "first"), "answer one");
  assert.equal(replyTo(log, "m1", "second"), "answer two");
});

test("exec commands get the idempotency key of the current step", async () => {
  const seen: ExecRequest[] = [];
  let step = 1;
  const backend = withIdempotencyKey(
    {
      run: async (req) => {
        seen.push(req);
        return {
          exitCode: 0,
          signal: null,
          timedOut: false,
          aborted: false,
          output: "",
          truncated: false,
          durationMs: 0,
        };
      },
    },
    () => `msg_1:${step}`,
  );
  const req = { command: "true", cwd: "/", timeoutMs: 1000, maxOutputBytes: 1000, env: { A: "1" } };
  await backend.run(req);
  step = 2;
  await backend.run(req);
  assert.deepEqual(
    seen.map((r) => r.env),
    [
      { A: "1", [IDEMPOTENCY_ENV]: "msg_1:1" },
      { A: "1", [IDEMPOTENCY_ENV]: "msg_1:2" },
    ],
  );
});

test("app.request(): auth, health, 404 and validation without a socket", async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), "ratchet-app-"));
  const db = path.join(home, "ratchet.db");
  const store = new SessionStore(db);
  const inbox = new InboxStore(db);
  const approvals = new ApprovalStore(db);
  const manager = new RunManager({
    home,
    store,
    inbox,
    approvals,
    config: () => ({}),
    defaultWorkspace: home,
  });
  const app = createApp({
    token: "t0k",
    version: "9",
    limiter: new AuthLimiter(),
    manager,
    store,
    inbox,
    approvals,
  });
  assert.deepEqual(await (await app.request("/api/health")).json(), { ok: true, version: "9" });
  assert.equal((await app.request("/api/sessions")).status, 401);
  const auth = { authorization: "Bearer t0k" };
  assert.equal((await app.request("/api/sessions", { headers: auth })).status, 200);
  assert.equal((await app.request("/api/nope", { headers: auth })).status, 404);
  const noModel = await app.request("/api/sessions/messages", {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ text: "hi" }),
  });
  assert.equal(noModel.status, 400, "no model configured: refused before anything is stored");
  assert.equal(inbox.open().length, 0);
  store.close();
  inbox.close();
  approvals.close();
});
