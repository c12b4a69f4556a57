// The daemon's API end to end over real sockets: send → stream → completed (SSE and WebSocket),
// per-session queueing, cancel, sessions, approvals, errors as JSON, and config reload.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { WebSocket } from "ws";
import type { ScriptedServer } from "../../src/testkit/scripted-server.js";
import type { Sandbox } from "../support/cli.js";
import { api, type DaemonProc, modelConfig, readSse, useReactiveDaemon, waitMessage } from "./support.js";

let model: ScriptedServer;
let sb: Sandbox;
let d: DaemonProc;
const policy = { rules: [{ tool: "exec", args: { command: "echo approved*" }, action: "ask" }] };

useReactiveDaemon((f) => ({ model, sb, d } = f), { config: { policy } });

interface Frame {
  type: string;
  event?: { type: string; messageId?: string; status?: string; reply?: string; event?: { type: string } };
  messageId?: string;
  sessionId?: string;
  message?: string;
}

test("send → SSE events → completed, and the transcript is stored", async () => {
  const first = await api(d, "POST", "/api/sessions/messages", { text: "hello" });
  assert.equal(first.status, 202);
  const { sessionId, messageId } = first.json as { sessionId: string; messageId: string };
  await waitMessage(d, messageId);
  const res = await fetch(`${d.url}/api/sessions/${sessionId}/events`, {
    headers: { authorization: `Bearer ${d.token}` },
  });
  assert.equal(res.headers.get("content-type")?.split(";")[0], "text/event-stream");
  const seen: string[] = [];
  const reading = readSse(res, (data) => {
    const ev = JSON.parse(data) as { type: string; status?: string; event?: { type: string } };
    seen.push(ev.type === "agent" ? `agent:${ev.event?.type}` : `${ev.type}:${ev.status ?? ""}`);
    return ev.type === "message" && ev.status === "done";
  });
  await new Promise((r) => setTimeout(r, 50));
  const second = await api(d, "POST", `/api/sessions/${sessionId}/messages`, { text: "again" });
  assert.equal(second.status, 202);
  await reading;
  for (const kind of ["agent:run_start", "agent:model", "agent:message", "agent:run_end", "message:done"])
    assert.ok(seen.includes(kind), `missing ${kind} in ${seen.join(",")}`);
  const done = await waitMessage(d, second.json.messageId as string);
  assert.equal(done.reply, "echo: again");
  const session = await api(d, "GET", `/api/sessions/${sessionId}`);
  const entries = session.json.entries as { kind: string; data: { role?: string; messageId?: string } }[];
  assert.equal(entries.filter((e) => e.kind === "run_end").length, 2);
  assert.equal(entries.filter((e) => e.kind === "run_start" && e.data.messageId === messageId).length, 1);
  const list = await api(d, "GET", "/api/sessions");
  assert.ok((list.json.sessions as { id: string }[]).some((s) => s.id === sessionId));
});

test("WebSocket: send frame → ack → streamed events → done; bad frames get error frames", async () => {
  const ws = new WebSocket(`${d.url.replace("http", "ws")}/api/ws`, ["ratchet.v1", `bearer.${d.token}`]);
  const frames: Frame[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on("error", reject);
    ws.on("open", () => {
      ws.send("{not json");
      ws.send(JSON.stringify({ type: "warp" }));
      ws.send(JSON.stringify({ type: "send", id: 7, text: "over ws" }));
    });
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString()) as Frame;
      frames.push(f);
      if (f.type === "event" && f.event?.type === "message" && f.event.status === "done") resolve();
    });
  });
  ws.close();
  const errors = frames.filter((f) => f.type === "error");
  assert.equal(errors.length, 2);
  assert.match(errors[0].message ?? "", /malformed frame/);
  assert.match(errors[1].message ?? "", /unknown frame type/);
  const ack = frames.find((f) => f.type === "ack");
  assert.ok(ack?.messageId);
  const done = frames.at(-1)?.event;
  assert.equal(done?.reply, "echo: over ws");
  assert.ok(frames.some((f) => f.event?.event?.type === "tool_start") === false);
  assert.ok(frames.some((f) => f.event?.event?.type === "run_end"));
});

test("one run at a time per session: a message sent mid-run is delivered into it, then answered", async () => {
  const a = await api(d, "POST", "/api/sessions/messages", { text: `slow 25 ${"a".repeat(60)}` });
  const sessionId = a.json.sessionId as string;
  await new Promise((r) => setTimeout(r, 100));
  const b = await api(d, "POST", `/api/sessions/${sessionId}/messages`, { text: "queued one" });
  const doneA = await waitMessage(d, a.json.messageId as string);
  const doneB = await waitMessage(d, b.json.messageId as string);
  assert.equal(doneA.reply, `echo: slow 25 ${"a".repeat(60)}`);
  assert.equal(doneB.reply, "echo: queued one");
  assert.equal(doneB.deliveredInto, a.json.messageId);
  const entries = (await api(d, "GET", `/api/sessions/${sessionId}`)).json.entries as { kind: string }[];
  assert.equal(entries.filter((e) => e.kind === "run_start").length, 1, "one run served both");
});

test("a message sent during a tool call steers the run: delivered after that call, answered next", async () => {
  const a = await api(d, "POST", "/api/sessions/messages", { text: "nap 0.6" });
  const sessionId = a.json.sessionId as string;
  for (let i = 0; i < 100; i++) {
    const s = await api(d, "GET", `/api/sessions/${sessionId}`);
    const entries = s.json.entries as { data: { role?: string } }[] | undefined;
    if (entries?.some((e) => e.data.role === "assistant")) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const b = await api(d, "POST", `/api/sessions/${sessionId}/messages`, { text: "change of plan" });
  const doneB = await waitMessage(d, b.json.messageId as string);
  assert.equal((await waitMessage(d, a.json.messageId as string)).status, "done");
  assert.equal(doneB.deliveredInto, a.json.messageId);
  assert.equal(doneB.reply, "echo: change of plan");
  const entries = (await api(d, "GET", `/api/sessions/${sessionId}`)).json.entries as {
    kind: string;
    data: { role?: string; content?: unknown };
  }[];
  const roles = entries.filter((e) => e.kind === "message").map((e) => e.data.role);
  assert.deepEqual(roles, ["user", "assistant", "toolResult", "user", "assistant"]);
});

test("an idempotency key makes a retried send the same message", async () => {
  const headers = { "idempotency-key": "retry-me-1" };
  const one = await api(d, "POST", "/api/sessions/messages", { text: "once" }, headers);
  const two = await api(d, "POST", "/api/sessions/messages", { text: "once" }, headers);
  assert.equal(one.json.messageId, two.json.messageId);
  assert.equal(two.json.duplicate, true);
  await waitMessage(d, one.json.messageId as string);
});

test("cancel aborts the running run; the message is marked failed: cancelled", async () => {
  const a = await api(d, "POST", "/api/sessions/messages", { text: `slow 100 ${"c".repeat(200)}` });
  const sessionId = a.json.sessionId as string;
  for (let i = 0; i < 100; i++) {
    const s = await api(d, "GET", `/api/sessions/${sessionId}`);
    if (s.json.running) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const c = await api(d, "POST", `/api/sessions/${sessionId}/cancel`);
  assert.equal(c.json.cancelled, true);
  const done = await waitMessage(d, a.json.messageId as string);
  assert.equal(done.status, "failed");
  assert.equal(done.error, "cancelled");
  const again = await api(d, "POST", `/api/sessions/${sessionId}/cancel`);
  assert.equal(again.json.cancelled, false);
});

test("approvals: a held call is listed, approved through the API, and the session resumes with it", async () => {
  const held = await api(d, "POST", "/api/sessions/messages", { text: "hold echo approved-run" });
  await waitMessage(d, held.json.messageId as string);
  const list = await api(d, "GET", "/api/approvals");
  const approvals = list.json.approvals as { id: string; tool: string; arguments: { command: string } }[];
  const mine = approvals.find((p) => p.arguments.command === "echo approved-run");
  assert.ok(mine, JSON.stringify(list.json));
  const ok = await api(d, "POST", `/api/approvals/${mine.id}/approve`);
  assert.equal(ok.status, 200);
  const missing = await api(d, "POST", "/api/approvals/ffffffffffff/approve");
  assert.equal(missing.status, 404);
  // Answering queued a message in the held call's session; the agent made the call again.
  const sessionId = held.json.sessionId as string;
  const resumed = ok.json.resumed as { messageId: string; sessionId: string };
  assert.equal(resumed.sessionId, sessionId);
  assert.equal((await waitMessage(d, resumed.messageId)).status, "done");
  const entries = (await api(d, "GET", `/api/sessions/${sessionId}`)).json.entries as {
    kind: string;
    data: { role?: string; content?: unknown; isError?: boolean };
  }[];
  const results = entries.filter((e) => e.data.role === "toolResult");
  assert.equal(results.length, 2);
  assert.match(String(results[0].data.content), /held for approval/);
  assert.match(String(results[1].data.content), /approved-run/);
  assert.equal(results[1].data.isError, false);
  // The approval was single use: it is gone from the list.
  const after = (await api(d, "GET", "/api/approvals")).json.approvals as { id: string }[];
  assert.ok(!after.some((p) => p.id === mine.id));
});

test("bad input is answered with JSON errors, never a crash", async () => {
  const malformed = await api(d, "POST", "/api/sessions/messages", "{oops");
  assert.equal(malformed.status, 400);
  assert.match(String((malformed.json.error as { message: string }).message), /not valid JSON/);
  const noText = await api(d, "POST", "/api/sessions/messages", { txt: "x" });
  assert.equal(noText.status, 400);
  assert.match(String((noText.json.error as { message: string }).message), /`text` is required/);
  const big = await api(d, "POST", "/api/sessions/messages", { text: "x".repeat(1_100_000) });
  assert.equal(big.status, 413);
  const unknownSession = await api(d, "POST", "/api/sessions/nope/messages", { text: "x" });
  assert.equal(unknownSession.status, 404);
  const route = await api(d, "GET", "/api/nothing");
  assert.equal(route.status, 404);
  assert.equal((route.json.error as { code: string }).code, "not_found");
  const ws = await api(d, "POST", "/api/sessions/messages", { text: "x", workspace: "/no/such/dir" });
  assert.equal(ws.status, 400);
  // A model that cannot resolve is refused before anything is stored.
  const before = ((await api(d, "GET", "/api/sessions")).json.sessions as unknown[]).length;
  for (const [m, code] of [
    ["nosuchprovider/x", "provider_unknown"],
    ["no-slash", "model_invalid"],
  ]) {
    const bad = await api(d, "POST", "/api/sessions/messages", { text: "x", model: m });
    assert.equal(bad.status, 400, m);
    assert.equal((bad.json.error as { code: string }).code, code);
  }
  assert.equal(((await api(d, "GET", "/api/sessions")).json.sessions as unknown[]).length, before);
  assert.equal((await api(d, "GET", "/api/health")).status, 200);
});

test("GET /api/models: the default model, the models the config names, the default workspace", async () => {
  const r = await api(d, "GET", "/api/models");
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { model: "scripted/m", models: ["scripted/m"], workspace: sb.workspace });
  // A new session can name another model of a known provider: the run calls it.
  const sent = await api(d, "POST", "/api/sessions/messages", { text: "hello", model: "scripted/other" });
  assert.equal(sent.status, 202);
  const { sessionId, messageId } = sent.json as { sessionId: string; messageId: string };
  await waitMessage(d, messageId);
  const session = (await api(d, "GET", `/api/sessions/${sessionId}`)).json.session as { model: string };
  assert.equal(session.model, "scripted/other");
  assert.equal(model.requests.at(-1)?.json?.model, "other");
});

test("config reload: an invalid file is reported and the last good config keeps running", async () => {
  const file = path.join(sb.home, "config.json");
  writeFileSync(file, '{"model": "scripted/m", "limits": {"maxSteps": "many"}');
  await waitFor(() => /config: .*config\.json/.test(d.stderr()));
  writeFileSync(file, JSON.stringify({ ...modelConfig(model, { policy }), limits: { maxSteps: "many" } }));
  await waitFor(() => /limits\.maxSteps/.test(d.stderr()));
  assert.match(d.stderr(), /keeping the last good configuration/);
  const r = await api(d, "POST", "/api/sessions/messages", { text: "still here" });
  assert.equal((await waitMessage(d, r.json.messageId as string)).reply, "echo: still here");
  writeFileSync(file, JSON.stringify(modelConfig(model, { policy, daemon: { maxConcurrentRuns: 2 } })));
  await waitFor(() => /config: reloaded/.test(d.stderr()));
  assert.ok(existsSync(file));
  assert.equal(d.child.exitCode, null, "the daemon is still running");
  assert.ok(readFileSync(file, "utf8").includes("maxConcurrentRuns"));
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out; stderr:\n${d.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
