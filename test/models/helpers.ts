// Shared helpers for provider tests: event collection with the stream contract checked, a fake
// transport that replays bytes in seeded random pieces, fixture loading, and a closed port.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import type { HttpClient } from "../../src/models/http.js";
import type { AssistantMessage, ModelEvent, ModelSpec, ToolCallBlock } from "../../src/models/types.js";
import {
  type ScriptedServer,
  type ScriptedTurn,
  startScriptedServer,
} from "../../src/testkit/scripted-server.js";

/** Drains a stream, asserting the contract: exactly one `done`, and it comes last. */
export async function collect(
  stream: AsyncIterable<ModelEvent>,
): Promise<{ events: ModelEvent[]; message: AssistantMessage }> {
  const events: ModelEvent[] = [];
  for await (const ev of stream) events.push(ev);
  const last = events.at(-1);
  assert.equal(last?.type, "done", "last event must be done");
  assert.equal(events.filter((e) => e.type === "done").length, 1, "exactly one done event");
  return { events, message: (last as { type: "done"; message: AssistantMessage }).message };
}

/** Concatenated deltas of one kind (and one tool call id). */
export function deltas(
  events: ModelEvent[],
  type: "text_delta" | "thinking_delta" | "toolcall_delta",
  id?: string,
): string {
  return events
    .filter((e) => e.type === type && (id === undefined || (e as { id?: string }).id === id))
    .map((e) => (e as { delta: string }).delta)
    .join("");
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cuts bytes into pieces: all 1-byte for seed 0, else random sizes 1..maxPiece. */
export function cut(bytes: Buffer, seed: number, maxPiece = 40): Buffer[] {
  const rand = rng(seed);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = seed === 0 ? 1 : 1 + Math.floor(rand() * maxPiece);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** A transport that answers every request with the given pieces; records request bodies. */
export function fakeHttp(
  pieces: Buffer[],
  opts: { status?: number; headers?: Record<string, string> } = {},
): HttpClient & { bodies: string[] } {
  const bodies: string[] = [];
  const client = async (_url: string, req: { body?: string }) => {
    bodies.push(req.body ?? "");
    return {
      status: opts.status ?? 200,
      headers: { "content-type": "text/event-stream", ...opts.headers },
      body: (async function* () {
        for (const p of pieces) yield p;
      })(),
      text: async () => Buffer.concat(pieces).toString("utf8"),
    };
  };
  return Object.assign(client, { bodies });
}

/** Raw bytes of a recorded wire fixture. Tests run from dist/, fixtures live in test/ at the repo root. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../../test/fixtures/wire/${name}`, import.meta.url));
}

/** A port on 127.0.0.1 that nothing listens on. */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A model spec with test defaults. */
export function model(api: ModelSpec["api"], baseUrl: string, extra: Partial<ModelSpec> = {}): ModelSpec {
  return { provider: "test", id: "test-model", api, baseUrl, apiKey: "sk-test", ...extra };
}

/** Strings that break naive streaming: JSON escapes, quotes, backslashes, multi-byte UTF-8. */
export const TRICKY = 'h\u00e9llo "quoted" \\ 😀 — ünïcödé\n\ttab';

/** Runs `fn` against a scripted server speaking `api`, with a model pointed at it; closes it after. */
export async function withServer(
  api: ModelSpec["api"],
  script: ScriptedTurn[],
  fn: (srv: ScriptedServer, m: ModelSpec) => Promise<void>,
  extra?: Partial<ModelSpec>,
): Promise<void> {
  const srv = await startScriptedServer(script);
  try {
    const url = api === "anthropic-messages" ? srv.anthropicBaseUrl : srv.openaiBaseUrl;
    await fn(srv, model(api, url, extra));
  } finally {
    await srv.close();
  }
}

/** The tool-call blocks of a message's content. */
export const calls = (content: unknown[]) =>
  content.filter((b): b is ToolCallBlock => (b as ToolCallBlock).type === "toolCall");
