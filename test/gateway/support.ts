// Daemon test support: a ratchet daemon as a child process over real loopback sockets, pointed at
// an in-process scripted model server, plus small HTTP, SSE and WebSocket helpers.
import type { ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before } from "node:test";
import {
  type ScriptedServer,
  type ScriptedTurn,
  type ScriptFn,
  startScriptedServer,
} from "../../src/testkit/scripted-server.js";
import { type Sandbox, sandbox, spawnRatchet } from "../support/cli.js";

/** A running daemon child. */
export interface DaemonProc {
  url: string;
  token: string;
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

/** Config pointing the daemon at a scripted model server. */
export function modelConfig(
  model: ScriptedServer,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    model: "scripted/m",
    providers: { scripted: { api: "openai-completions", baseUrl: model.openaiBaseUrl } },
    retry: { maxRetries: 0 },
    memory: { enabled: false },
    ...extra,
  };
}

/** A sandbox (home + workspace) configured for `model`. */
export function daemonSandbox(model: ScriptedServer, extra: Record<string, unknown> = {}): Sandbox {
  return sandbox(modelConfig(model, extra));
}

/** Starts `ratchet daemon --port 0` and waits for the URL line. */
export async function startDaemonProc(sb: Sandbox, args: string[] = []): Promise<DaemonProc> {
  const child = spawnRatchet(["daemon", "--port", "0", "--workspace", sb.workspace, ...args], sb.env);
  let out = "";
  let err = "";
  child.stderr?.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start: ${err}`)), 10_000);
    child.stdout?.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl).trim());
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${code}: ${err}`));
    });
  });
  const token = readFileSync(path.join(sb.home, "token"), "utf8").trim();
  return {
    url,
    token,
    child,
    stderr: () => err,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** fetch with the bearer token and a JSON body. */
export async function api(
  d: { url: string; token: string },
  method: string,
  p: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${d.url}${p}`, {
    method,
    headers: {
      authorization: `Bearer ${d.token}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json, headers: res.headers };
}

/** Reads SSE `data:` payloads from a response until `stop` returns true or the stream ends. */
export async function readSse(res: Response, stop: (data: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    buf += dec.decode(value, { stream: true });
    let i = buf.indexOf("\n\n");
    while (i >= 0) {
      const frame = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = frame
        .split("\n")
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trimStart())
        .join("\n");
      if (data) {
        out.push(data);
        if (stop(data)) {
          await reader.cancel();
          return out;
        }
      }
      i = buf.indexOf("\n\n");
    }
  }
}

/** Polls a message until done or failed. */
export async function waitMessage(
  d: { url: string; token: string },
  id: string,
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await api(d, "GET", `/api/messages/${id}?wait=1000`);
    if (r.json.status === "done" || r.json.status === "failed") return r.json;
    if (Date.now() > until) throw new Error(`message ${id} still ${String(r.json.status)}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

interface WireMessage {
  role: string;
  content?: unknown;
}

/**
 * A model that reacts to the conversation: "ledger <name>" asks it to run exec appending the
 * idempotency key to <name> unless present; "slow <ms> <text>" replies slowly; "nap <s>" runs `sleep <s>`; "hold <cmd>" runs a
 * network command (held for approval); "[approval] The owner approved the held `exec` call {…}" makes
 * that call again, as the resume message asks; anything else is echoed. After a tool result it answers
 * "done: <user text>", re-issuing the call when the result says the call was interrupted.
 */
export function reactiveModel(): ScriptFn {
  return (req): ScriptedTurn => {
    const msgs = (req.json?.messages ?? []) as WireMessage[];
    const last = msgs.at(-1);
    const lastUser = [...msgs].reverse().find((m) => m.role === "user");
    const text = typeof lastUser?.content === "string" ? lastUser.content : "";
    const toolCall = (): ScriptedTurn => {
      const file = text.split(/\s+/)[1] ?? "ledger.txt";
      const command = `grep -qxF "$RATCHET_IDEMPOTENCY_KEY" ${file} 2>/dev/null || echo "$RATCHET_IDEMPOTENCY_KEY" >> ${file}`;
      return { toolCalls: [{ name: "exec", arguments: { command } }] };
    };
    if (last?.role === "tool") {
      const content = typeof last.content === "string" ? last.content : "";
      if (content.includes("interrupted") && text.startsWith("ledger ")) return toolCall();
      return { text: `done: ${text}` };
    }
    if (text.startsWith("ledger ")) return toolCall();
    const nap = /^nap (\d+(?:\.\d+)?)$/.exec(text);
    if (nap) return { toolCalls: [{ name: "exec", arguments: { command: `sleep ${nap[1]}` } }] };
    const approved = /^\[approval\] The owner approved the held `exec` call (\{.*\})\. /.exec(text);
    if (approved) return { toolCalls: [{ name: "exec", arguments: JSON.parse(approved[1]) }] };
    if (text.startsWith("hold "))
      return { toolCalls: [{ name: "exec", arguments: { command: text.slice(5) } }] };
    const slow = /^slow (\d+) /.exec(text);
    if (slow) return { text: `echo: ${text}`, delayMs: Number(slow[1]), chunkSize: 4 };
    return { text: `echo: ${text}` };
  };
}

/** Starts the reactive scripted model. */
export function startReactiveModel(): Promise<ScriptedServer> {
  return startScriptedServer(reactiveModel());
}

/** A daemon under chaos: a supervisor restarts it, a bounded loop SIGKILLs it at random moments. */
export interface Chaos {
  /** The daemon that is up now, if any (undefined between a kill and the restart). */
  current(): DaemonProc | undefined;
  /** Ends both loops and returns the daemon left running and the number of kills. */
  stop(): Promise<{ daemon: DaemonProc | undefined; kills: number }>;
}

/**
 * Starts the daemon of `sb`, then restarts it whenever it is gone (as systemd's Restart= would)
 * while up to `maxKills` SIGKILLs land `minGapMs` + up to `spreadMs` apart (seeded, repeatable).
 */
export async function chaosMonkey(
  sb: Sandbox,
  o: { seed: number; maxKills: number; minGapMs: number; spreadMs: number },
): Promise<Chaos> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let current: DaemonProc | undefined = await startDaemonProc(sb);
  let finished = false;
  let kills = 0;
  let rand = o.seed;
  const random = () => {
    rand = (rand * 1103515245 + 12345) & 0x7fffffff;
    return rand / 0x7fffffff;
  };
  const supervisor = (async () => {
    while (!finished) {
      if (!current) current = await startDaemonProc(sb);
      await sleep(10);
    }
  })();
  const killer = (async () => {
    while (!finished && kills < o.maxKills) {
      await sleep(o.minGapMs + random() * o.spreadMs);
      const victim = current;
      if (!victim || finished) continue;
      current = undefined;
      await victim.kill();
      kills++;
    }
  })();
  return {
    current: () => current,
    async stop() {
      finished = true;
      await killer;
      await supervisor;
      return { daemon: current, kills };
    },
  };
}

/** What useReactiveDaemon starts. */
export interface ReactiveDaemon {
  model: ScriptedServer;
  sb: Sandbox;
  d: DaemonProc;
}

/**
 * A reactive scripted model and a daemon child for one test file: started before its tests (then
 * handed to `set`), stopped after them. `config` is added to the model config; `cliPort` also
 * writes the daemon's port into the config, so `ratchet` commands in the sandbox find it.
 */
export function useReactiveDaemon(
  set: (f: ReactiveDaemon) => void,
  o: { config?: Record<string, unknown>; cliPort?: boolean } = {},
): void {
  let f: ReactiveDaemon | undefined;
  before(async () => {
    const model = await startReactiveModel();
    const sb = daemonSandbox(model, o.config);
    const d = await startDaemonProc(sb);
    if (o.cliPort) {
      const port = Number(new URL(d.url).port);
      writeFileSync(
        path.join(sb.home, "config.json"),
        JSON.stringify(modelConfig(model, { ...o.config, daemon: { port } })),
      );
    }
    f = { model, sb, d };
    set(f);
  });
  after(async () => {
    await f?.d.stop();
    await f?.model.close();
  });
}
