// Benchmark of the always-on daemon against a scripted loopback model: start → listening, idle RSS
// after 10 s, framework overhead of a warm turn through the API (turn time minus the scripted
// model's own time, both measured), and 100 concurrent sessions streaming. Prints a table with
// the targets.
//
//   npm run bench:daemon
//   npm run bench:daemon -- --turns 200 --starts 10 --idle 10
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { WebSocket } from "ws";
import { startScriptedServer } from "../src/testkit/scripted-server.js";
import { type DaemonProc, modelConfig, startDaemonProc } from "../test/gateway/support.js";
import { sandbox } from "../test/support/cli.js";

const { values: args } = parseArgs({
  options: {
    turns: { type: "string", default: "100" },
    starts: { type: "string", default: "5" },
    idle: { type: "string", default: "10" },
    sessions: { type: "string", default: "100" },
  },
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
};

/** Streamed text replies, 40 chunks of 5 characters, 5 ms apart (≈ 200 ms of "model time"). */
const STREAMED = { text: "x".repeat(200), chunkSize: 5, delayMs: 5 };

const model = await startScriptedServer((req) =>
  String(req.body).includes("stream please") ? STREAMED : { text: "ok" },
);

// 1. start → listening (first stdout line is the URL, printed once the socket listens).
const starts: number[] = [];
for (let i = 0; i < Number(args.starts); i++) {
  const sb = sandbox(modelConfig(model));
  const t0 = performance.now();
  const d = await startDaemonProc(sb);
  starts.push(performance.now() - t0);
  await d.stop();
}

// 2. idle RSS after N seconds (fresh daemon, nothing sent).
const sb = sandbox(modelConfig(model, { daemon: { maxConcurrentRuns: Number(args.sessions) } }));
const d = await startDaemonProc(sb);
await sleep(Number(args.idle) * 1000);
const idleRss = rssMb(d.child.pid as number);

// 3. warm turns over one WebSocket: send → message done; model time replayed directly.
const ws = await connect(d);
const turn = (text: string, sessionId?: string) =>
  new Promise<{ ms: number; sessionId: string }>((resolve, reject) => {
    const t0 = performance.now();
    let messageId: string | undefined;
    const onMessage = (data: Buffer) => {
      const f = JSON.parse(data.toString()) as {
        type: string;
        messageId?: string;
        sessionId?: string;
        event?: { type: string; messageId?: string; status?: string };
        message?: string;
      };
      if (f.type === "error") reject(new Error(f.message));
      if (f.type === "ack") messageId = f.messageId;
      if (f.event?.type === "message" && f.event.messageId === messageId && f.event.status === "done") {
        ws.off("message", onMessage);
        resolve({ ms: performance.now() - t0, sessionId: f.sessionId ?? (sessionId as string) });
      }
    };
    ws.on("message", onMessage);
    ws.send(JSON.stringify({ type: "send", text, ...(sessionId ? { sessionId } : {}) }));
  });
const first = await turn("warm up");
let sessionId = first.sessionId;
for (let i = 0; i < 10; i++) await turn(`warm ${i}`, sessionId);
const turnMs: number[] = [];
const modelMs: number[] = [];
const cpu0 = cpuMs(d.child.pid as number);
for (let i = 0; i < Number(args.turns); i++) {
  // A new session every 20 turns keeps the history (and request size) realistic but bounded.
  if (i % 20 === 0) sessionId = (await turn(`new ${i}`)).sessionId;
  const r = await turn(`turn ${i}`, sessionId);
  turnMs.push(r.ms);
  const body = model.requests.at(-1)?.body ?? "{}";
  const t0 = performance.now();
  const res = await fetch(`${model.openaiBaseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  await res.text();
  modelMs.push(performance.now() - t0);
}
// Daemon CPU per turn (user + system, all threads): independent of other load on the machine.
// It includes the daemon's side of the model call and the turns that start a new session.
const cpuPerTurn = (cpuMs(d.child.pid as number) - cpu0) / (turnMs.length * 1.05);
const overhead = turnMs.map((t, i) => t - modelMs[i]);
// What one synchronous=FULL commit (the inbox write before each acknowledgement) costs on this disk.
const fsyncMs = fsyncCommitMs(sb.home);
ws.close();

// 4. N concurrent sessions, each on its own WebSocket, streaming a reply.
const clients = await Promise.all(Array.from({ length: Number(args.sessions) }, () => connect(d)));
const t0 = performance.now();
let peak = rssMb(d.child.pid as number);
const sampler = setInterval(() => {
  peak = Math.max(peak, rssMb(d.child.pid as number));
}, 20);
const outcomes = await Promise.all(
  clients.map(
    (c, i) =>
      new Promise<{ deltas: number; done: boolean }>((resolve) => {
        let deltas = 0;
        const timer = setTimeout(() => resolve({ deltas, done: false }), 60_000);
        c.on("message", (data: Buffer) => {
          const f = JSON.parse(data.toString()) as {
            event?: { type: string; status?: string; event?: { type: string; event?: { type: string } } };
          };
          if (f.event?.event?.type === "model" && f.event.event.event?.type === "text_delta") deltas++;
          if (f.event?.type === "message" && (f.event.status === "done" || f.event.status === "failed")) {
            clearTimeout(timer);
            resolve({ deltas, done: f.event.status === "done" });
          }
        });
        c.send(JSON.stringify({ type: "send", text: `stream please ${i}` }));
      }),
  ),
);
const concurrentMs = performance.now() - t0;
clearInterval(sampler);
for (const c of clients) c.close();
await d.stop();
await model.close();

const completed = outcomes.filter((o) => o.done && o.deltas >= 40).length;
const rows: [string, string, string, string][] = [
  [
    "start → listening (median of " + starts.length + ")",
    `${(median(starts) / 1000).toFixed(3)} s`,
    "≤ 0.3 s",
    median(starts) <= 300 ? "ok" : "MISSED",
  ],
  [`idle RSS after ${args.idle} s`, `${idleRss.toFixed(1)} MB`, "≤ 70 MB", idleRss <= 70 ? "ok" : "MISSED"],
  [
    `warm turn overhead (median / p95 of ${overhead.length})`,
    `${median(overhead).toFixed(2)} / ${p95(overhead).toFixed(2)} ms`,
    "≤ 10 ms",
    median(overhead) <= 10 ? "ok" : "MISSED",
  ],
  ["  warm turn through the API (median)", `${median(turnMs).toFixed(2)} ms`, "", ""],
  ["  scripted model alone (median)", `${median(modelMs).toFixed(2)} ms`, "", ""],
  ["  of the overhead: one fsync'd inbox commit", `${fsyncMs.toFixed(2)} ms`, "", ""],
  ["  daemon CPU per warm turn (load-independent)", `${cpuPerTurn.toFixed(2)} ms`, "", ""],
  [
    `${args.sessions} concurrent sessions streaming`,
    `${completed}/${args.sessions} in ${(concurrentMs / 1000).toFixed(2)} s`,
    "all complete",
    completed === Number(args.sessions) ? "ok" : "MISSED",
  ],
  ["  peak RSS during them", `${peak.toFixed(1)} MB`, "", ""],
];
const w = [0, 1, 2, 3].map((i) =>
  Math.max(...rows.map((r) => r[i].length), ["what", "measured", "target", ""][i].length),
);
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i])).join(" | ")} |`;
console.log(line(["what", "measured", "target", ""]));
console.log(line(w.map((n) => "-".repeat(n))));
for (const r of rows) console.log(line(r));

function connect(x: DaemonProc): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const c = new WebSocket(`${x.url.replace("http", "ws")}/api/ws`, ["ratchet.v1", `bearer.${x.token}`]);
    c.on("open", () => resolve(c));
    c.on("error", reject);
  });
}

function fsyncCommitMs(dir: string): number {
  const db = new Database(path.join(dir, "fsync-probe.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE IF NOT EXISTS t (x TEXT)");
  const insert = db.prepare("INSERT INTO t VALUES (?)");
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    insert.run(String(i));
    times.push(performance.now() - t);
  }
  db.close();
  return median(times);
}

/** User + system CPU time of a process so far, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
