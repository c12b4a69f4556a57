// The skeleton of one streaming model call: request → status → SSE → final message, with the
// mapping of HTTP, transport, abort and truncation failures. Never throws. Each provider file
// supplies the request builder and an SSE event handler; this file knows no wire format.
import {
  type HttpClient,
  type HttpResponse,
  isRetryableStatus,
  retryAfterMs,
  TransportError,
} from "./http.js";
import { MessageBuilder } from "./message-builder.js";
import { parseSse, type SseEvent } from "./sse.js";
import {
  type AssistantMessage,
  errorMessage,
  type ModelEvent,
  type ModelSpec,
  type StreamOptions,
} from "./types.js";
import { errorText, parseJson } from "./wire-json.js";

/** One ready-to-send HTTP request. */
export interface WireRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Handles one response's SSE events. `end` runs once after the last event (flush pending state). */
export interface WireHandler {
  event(ev: SseEvent, b: MessageBuilder): ModelEvent[] | undefined;
  end?(b: MessageBuilder): ModelEvent[] | undefined;
}

const RETRYABLE_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "UND_ERR_SOCKET",
]);

/** Whether a network failure may go away on its own. */
function isRetryableNetworkError(code: string | undefined, message: string): boolean {
  return (
    (code !== undefined && RETRYABLE_CODES.has(code)) ||
    /socket hang up|aborted|terminated|reset/i.test(message)
  );
}

class AbortedRead extends Error {}
class BodyReadError extends Error {
  constructor(readonly error: unknown) {
    super(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Re-yields body chunks, failing fast on abort even while a read is pending (a fake or stalled
 * transport may never wake up), and tagging read errors so they are told apart from our bugs.
 */
async function* guardBody(body: AsyncIterable<Uint8Array>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const it = body[Symbol.asyncIterator]();
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new AbortedRead());
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  let finished = false;
  try {
    for (;;) {
      if (signal?.aborted) throw new AbortedRead();
      let r: IteratorResult<Uint8Array>;
      try {
        r = await (signal ? Promise.race([it.next(), aborted]) : it.next());
      } catch (err) {
        throw err instanceof AbortedRead ? err : new BodyReadError(err);
      }
      if (r.done) {
        finished = true;
        return;
      }
      yield r.value;
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    // Stopping early (abort, error event, [DONE] before EOF) must release the socket.
    if (!finished) Promise.resolve(it.return?.()).catch(() => {});
  }
}

/** The URL without its query string, for error messages. */
const where = (url: string) => url.split("?")[0];

async function httpFailure(model: ModelSpec, res: HttpResponse, url: string): Promise<AssistantMessage> {
  let text = "";
  try {
    text = await res.text();
  } catch {
    // The status alone is still a useful error.
  }
  const detail = errorText(parseJson(text)) ?? text.trim().slice(0, 500);
  const retryable = isRetryableStatus(res.status);
  return errorMessage(model, `HTTP ${res.status} from ${where(url)}${detail ? `: ${detail}` : ""}`, {
    retryable,
    retryAfterMs: retryAfterMs(res.headers),
  });
}

function transportFailure(
  model: ModelSpec,
  err: unknown,
  url: string,
  signal?: AbortSignal,
): AssistantMessage {
  if ((err instanceof TransportError && err.aborted) || signal?.aborted) {
    return errorMessage(model, "request aborted", { aborted: true });
  }
  const code = err instanceof TransportError ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return errorMessage(model, `request to ${where(url)} failed: ${message}`, {
    retryable: err instanceof TransportError && isRetryableNetworkError(code, message),
  });
}

/**
 * Runs one streaming call. Never throws: every failure, including a bug in a handler, becomes
 * the final `done` event. The last event is always `done`.
 */
export async function* streamWire(
  model: ModelSpec,
  options: StreamOptions,
  http: HttpClient,
  buildRequest: () => WireRequest,
  handler: WireHandler,
): AsyncGenerator<ModelEvent> {
  const signal = options.signal;
  const b = new MessageBuilder();
  let url = model.baseUrl;
  try {
    if (signal?.aborted) {
      yield { type: "done", message: errorMessage(model, "request aborted", { aborted: true }) };
      return;
    }
    const req = buildRequest();
    url = req.url;
    let res: HttpResponse;
    try {
      res = await http(req.url, { method: "POST", headers: req.headers, body: req.body, signal });
    } catch (err) {
      yield { type: "done", message: transportFailure(model, err, url, signal) };
      return;
    }
    if (res.status < 200 || res.status >= 300) {
      const failure = await httpFailure(model, res, url);
      // An abort while reading the error body is still an abort.
      const aborted = signal?.aborted ? errorMessage(model, "request aborted", { aborted: true }) : undefined;
      yield { type: "done", message: aborted ?? failure };
      return;
    }
    const contentType = String(res.headers["content-type"] ?? "");
    // Some servers ignore `stream: true` or answer errors as plain JSON with status 200.
    const events: AsyncIterable<SseEvent> = contentType.includes("application/json")
      ? jsonAsEvent(res, signal)
      : parseSse(guardBody(res.body, signal));
    for await (const ev of events) {
      const out = handler.event(ev, b);
      if (out) yield* out;
      if (b.ended) break;
    }
    const tail = handler.end?.(b);
    if (tail) yield* tail;
  } catch (err) {
    if (err instanceof BodyReadError) {
      b.fail(`stream from ${where(url)} interrupted: ${err.message}`, !signal?.aborted);
    } else if (!(err instanceof AbortedRead)) {
      b.fail(
        `internal error in ${model.api} provider: ${err instanceof Error ? err.message : String(err)}`,
        false,
      );
    }
  }
  const aborted = signal?.aborted === true && !b.completed;
  if (!aborted && !b.completed && !b.failure) {
    b.fail("stream ended early (no finish reason or end marker)", true);
  }
  yield { type: "done", message: b.finish(model, aborted) };
}

/** Presents a whole JSON body as a single SSE event so the same handler reads it. */
async function* jsonAsEvent(res: HttpResponse, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  const chunks: Uint8Array[] = [];
  for await (const c of guardBody(res.body, signal)) chunks.push(c);
  yield { data: Buffer.concat(chunks).toString("utf8") };
}
