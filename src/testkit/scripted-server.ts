// A loopback HTTP server that plays a model from a script, speaking both OpenAI Chat
// Completions and Anthropic Messages SSE. Used by provider tests, CLI end-to-end tests,
// benchmarks and the demo. Node builtins only: it must start in milliseconds.
import { appendFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { anthropicFrames, openaiFrames, type WireContext } from "./scripted-wire.js";

/** A tool call the scripted model makes. A string `arguments` is sent verbatim (may be malformed). */
export interface ScriptedToolCall {
  id?: string;
  name: string;
  arguments: string | Record<string, unknown>;
}

/** One streamed model response. */
export interface ScriptedReply {
  text?: string;
  reasoning?: string;
  toolCalls?: ScriptedToolCall[];
  usage?: { input: number; output: number; cacheRead?: number; cacheWrite?: number };
  /**
   * Token-level details sent in OpenAI chunks the way vLLM does with `return_token_ids` and
   * `logprobs`: `promptIds` as `prompt_token_ids` on the first chunk; `completionIds` as each
   * choice's `token_ids` and `logprobs` as `choices[].logprobs.content[].logprob`, spread over the
   * content chunks (the rest on the finish chunk). Sent whatever the request asked for.
   */
  tokens?: { promptIds?: number[]; completionIds?: number[]; logprobs?: number[] };
  /** Wire finish/stop reason override (e.g. "length", "max_tokens", "content_filter"). */
  finishReason?: string;
  /** Split text and argument strings into deltas of this many characters. Default 7. */
  chunkSize?: number;
  /** Write the bytes in 3-byte pieces, splitting UTF-8 characters and SSE lines across writes. */
  splitBytes?: boolean;
  /** Pause before each SSE frame. */
  delayMs?: number;
  /** Close the stream cleanly after the content deltas, before any finish reason or end marker. */
  endEarly?: boolean;
  /** Send an error frame halfway through the content deltas, then close. */
  midStreamError?: { message: string; type?: string; code?: string | number };
}

/** A plain HTTP error response (e.g. 429 with retry-after). */
export interface ScriptedHttpError {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/** One answer to one model request. */
export type ScriptedTurn = ScriptedReply | ScriptedHttpError;

/** A request the server received. */
export interface ScriptedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed body (undefined if it was not JSON). */
  // biome-ignore lint/suspicious/noExplicitAny: parsed request JSON, inspected freely by tests.
  json: any;
}

/** Picks the turn for a request; returning undefined means the script is exhausted. */
export type ScriptFn = (req: ScriptedRequest, index: number) => ScriptedTurn | undefined;

/** A running scripted server. */
export interface ScriptedServer {
  /** http://127.0.0.1:port */
  url: string;
  /** url + "/v1", for ModelSpec.baseUrl of an openai-completions model. */
  openaiBaseUrl: string;
  /** url, for ModelSpec.baseUrl of an anthropic-messages model. */
  anthropicBaseUrl: string;
  requests: ScriptedRequest[];
  /** Turns not yet consumed (Infinity for a function script). */
  remaining(): number;
  close(): Promise<void>;
}

/** Starts the server on an ephemeral port of 127.0.0.1 (or opts.host). */
export async function startScriptedServer(
  script: ScriptedTurn[] | ScriptFn,
  opts: { logFile?: string; host?: string; port?: number; models?: string[] } = {},
): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  let consumed = 0;
  let responseCount = 0;
  const take: ScriptFn = Array.isArray(script) ? (_req, i) => script[i] : script;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = (req.url ?? "/").split("?")[0];
      // Model listing, as `ratchet doctor` and other clients probe it; not a model request.
      if (req.method === "GET" && path.endsWith("/models")) {
        const data = (opts.models ?? ["scripted"]).map((id) => ({ id, object: "model", type: "model" }));
        return sendJson(res, 200, { object: "list", data });
      }
      const record: ScriptedRequest = { path, headers: req.headers, body, json: parseBody(body) };
      requests.push(record);
      if (opts.logFile) appendFileSync(opts.logFile, JSON.stringify({ path, body }) + "\n");
      const wire = path.endsWith("/chat/completions")
        ? "openai"
        : path.endsWith("/messages")
          ? "anthropic"
          : undefined;
      if (req.method !== "POST" || !wire) {
        return sendJson(res, 404, {
          error: { message: `no route for ${req.method} ${path}`, type: "not_found" },
        });
      }
      const turn = take(record, consumed);
      if (!turn) {
        const message = `script exhausted: request ${consumed + 1} has no scripted turn`;
        return sendJson(res, 500, { error: { message, type: "script_exhausted" } });
      }
      consumed++;
      if ("status" in turn) return sendHttpError(res, wire, turn);
      const ctx: WireContext = {
        model: typeof record.json?.model === "string" ? record.json.model : "scripted",
        id: `${++responseCount}`,
        promptChars: body.length,
      };
      void writeFrames(res, wire === "openai" ? openaiFrames(turn, ctx) : anthropicFrames(turn, ctx), turn);
    });
  });
  server.on("connection", (socket) => socket.setNoDelay(true));
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    requests,
    remaining: () => (Array.isArray(script) ? script.length - consumed : Number.POSITIVE_INFINITY),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
}

function sendHttpError(res: ServerResponse, wire: "openai" | "anthropic", turn: ScriptedHttpError): void {
  if (turn.body !== undefined) {
    res.writeHead(turn.status, { "content-type": "application/json", ...turn.headers });
    res.end(turn.body);
    return;
  }
  const message = `scripted HTTP ${turn.status}`;
  const value =
    wire === "openai"
      ? {
          error: { message, type: turn.status >= 500 ? "server_error" : "invalid_request_error", code: null },
        }
      : {
          type: "error",
          error: { type: turn.status >= 500 ? "api_error" : "invalid_request_error", message },
        };
  sendJson(res, turn.status, value, turn.headers);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes SSE frames with the turn's pacing; stops quietly if the client went away. */
async function writeFrames(res: ServerResponse, frames: string[], turn: ScriptedReply): Promise<void> {
  res.on("error", () => {});
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.flushHeaders();
  for (const frame of frames) {
    if (turn.delayMs) await sleep(turn.delayMs);
    if (res.destroyed) return;
    if (!turn.splitBytes) {
      res.write(frame);
      continue;
    }
    const bytes = Buffer.from(frame, "utf8");
    for (let i = 0; i < bytes.length; i += 3) {
      if (res.destroyed) return;
      await new Promise<void>((r) => res.write(bytes.subarray(i, i + 3), () => r()));
      await new Promise((r) => setImmediate(r));
    }
  }
  if (!res.destroyed) res.end();
}
