// Fuzzing the daemon over real sockets: thousands of random HTTP bodies, paths and headers, and
// random WebSocket frames. Every answer must be a clean 4xx/2xx (never a 5xx or a dropped
// connection), and afterwards the daemon must still answer and run a message.
import assert from "node:assert/strict";
import { test } from "node:test";
import { WebSocket } from "ws";
import { api, type DaemonProc, useReactiveDaemon, waitMessage } from "./support.js";

let d: DaemonProc;

useReactiveDaemon((f) => ({ d } = f));

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 1234);

function gen(r: () => number) {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const str = (max: number) =>
    Array.from({ length: Math.floor(r() * max) }, () => String.fromCharCode(Math.floor(r() * 0x3000))).join(
      "",
    );
  const value = (depth: number): unknown => {
    const k = Math.floor(r() * (depth > 3 ? 5 : 8));
    if (k === 0) return null;
    if (k === 1) return r() * 1e9 - 5e8;
    if (k === 2) return r() < 0.5;
    if (k === 3 || k === 4) return str(40);
    if (k === 5) return Array.from({ length: Math.floor(r() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(r() * 5); i > 0; i--)
      o[pick(["text", "type", "sessionId", "model", "workspace", "messages", "stream", "id", str(8)])] =
        value(depth + 1);
    return o;
  };
  const body = (): string | Uint8Array => {
    switch (Math.floor(r() * 7)) {
      case 0:
        return Uint8Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256));
      case 1:
        return "[".repeat(5000 + Math.floor(r() * 5000));
      case 2:
        return JSON.stringify(value(0)).slice(0, Math.floor(r() * 200));
      case 3:
        return `{"text": ${JSON.stringify(str(30))}, "workspace": ${JSON.stringify(str(10))}}`;
      case 4:
        return `{"model": "ratchet", "messages": ${JSON.stringify(value(1))}, "stream": ${r() < 0.5}}`;
      default:
        return JSON.stringify(value(0));
    }
  };
  return { pick, str, value, body };
}

test("random HTTP requests get clean 2xx/4xx answers", async () => {
  const r = rng(SEED);
  const g = gen(r);
  const paths = [
    "/api/sessions/messages",
    "/api/sessions/zzz/messages",
    "/api/sessions/%00%ff/cancel",
    "/api/approvals/abc/approve",
    "/api/approvals/../../etc/passwd/deny",
    "/v1/chat/completions",
    "/api/sessions",
    "/api/messages/msg_x",
    "/api/../v1/models",
  ];
  const statuses = new Map<number, number>();
  let i = 0;
  const N = 2000;
  const worker = async () => {
    while (i < N) {
      i++;
      const method = g.pick(["POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH"]);
      const p = r() < 0.85 ? g.pick(paths) : `/${encodeURIComponent(g.str(20))}`;
      const headers: Record<string, string> = { authorization: `Bearer ${d.token}` };
      if (r() < 0.7)
        headers["content-type"] = g
          .pick(["application/json", "text/plain", "multipart/form-data", "x/\u0001"])
          .replace(/[^\x20-\x7e]/g, "");
      const res = await fetch(`${d.url}${p}`, {
        method,
        headers,
        ...(method === "GET" ? {} : { body: g.body() }),
      });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const bad = [...statuses.keys()].filter((s) => s >= 500);
  assert.deepEqual(bad, [], `5xx answers: ${JSON.stringify([...statuses])}`);
  assert.ok((statuses.get(400) ?? 0) > 100, JSON.stringify([...statuses]));
});

test("random WebSocket frames get error frames; an oversized frame closes only that connection", async () => {
  const r = rng(SEED + 1);
  const g = gen(r);
  const ws = new WebSocket(`${d.url.replace("http", "ws")}/api/ws`, ["ratchet.v1", `bearer.${d.token}`]);
  await new Promise<void>((resolve, reject) => {
    ws.on("open", () => resolve());
    ws.on("error", reject);
  });
  let answers = 0;
  ws.on("message", () => answers++);
  const N = 2000;
  for (let k = 0; k < N; k++) {
    const kind = Math.floor(r() * 4);
    if (kind === 0)
      ws.send(Buffer.from(Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 256))));
    else if (kind === 1) ws.send(g.str(100));
    else {
      const frame = g.value(1);
      if (frame && typeof frame === "object" && !Array.isArray(frame) && r() < 0.8)
        (frame as Record<string, unknown>).type = g.pick([
          "send",
          "subscribe",
          "unsubscribe",
          "cancel",
          "ping",
          "nope",
        ]);
      ws.send(JSON.stringify(frame));
    }
  }
  const until = Date.now() + 20_000;
  while (answers < N && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
  assert.ok(answers >= N, `only ${answers} answers to ${N} frames`);
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  ws.send("x".repeat(1024 * 1024 + 10));
  assert.equal(await closed, 1009);
});

test("after the fuzzing the daemon still answers and runs a message", async () => {
  assert.equal(d.child.exitCode, null);
  assert.equal((await fetch(`${d.url}/api/health`)).status, 200);
  const r = await api(d, "POST", "/api/sessions/messages", { text: "still alive" });
  assert.equal((await waitMessage(d, r.json.messageId as string)).reply, "echo: still alive");
  assert.doesNotMatch(d.stderr(), /internal error/);
});
