// Minimal streaming HTTP client on node:http/https. Chosen over fetch because undici's first
// request costs ~70 ms of start-up on this class of machine, and a one-shot CLI run pays it.
import http from "node:http";
import https from "node:https";

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Give up if no response headers arrive within this many ms. */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body bytes as they arrive. */
  body: AsyncIterable<Buffer>;
  /** Reads the whole body as UTF-8 text (for error responses). */
  text(): Promise<string>;
}

/** Transport used by providers; injectable so tests can fake the network. */
export type HttpClient = (url: string, req: HttpRequest) => Promise<HttpResponse>;

/** Error raised before any response: connection refused/reset, DNS, timeout, abort. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly aborted: boolean,
  ) {
    super(message);
    this.name = "TransportError";
  }
}

export const nodeHttpClient: HttpClient = (url, req) =>
  new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new TransportError(`invalid URL: ${url}`, "ERR_INVALID_URL", false));
      return;
    }
    if (req.signal?.aborted) {
      reject(new TransportError("request aborted", "ABORT_ERR", true));
      return;
    }
    const lib = target.protocol === "https:" ? https : http;
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
    const request = lib.request(
      target,
      { method: req.method ?? "GET", headers, signal: req.signal },
      (res) => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: res,
          async text() {
            const chunks: Buffer[] = [];
            for await (const c of res) chunks.push(c as Buffer);
            return Buffer.concat(chunks).toString("utf8");
          },
        });
      },
    );
    const timer = req.timeoutMs
      ? setTimeout(
          () =>
            request.destroy(new TransportError(`no response within ${req.timeoutMs} ms`, "ETIMEDOUT", false)),
          req.timeoutMs,
        )
      : undefined;
    request.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err instanceof TransportError) return reject(err);
      const aborted = err.name === "AbortError" || req.signal?.aborted === true;
      reject(
        new TransportError(
          aborted ? "request aborted" : `${err.code ?? "error"}: ${err.message}`,
          err.code,
          aborted,
        ),
      );
    });
    request.end(req.body);
  });

/** Parses Retry-After / retry-after-ms headers into milliseconds. */
export function retryAfterMs(
  headers: Record<string, string | string[] | undefined>,
  now = Date.now(),
): number | undefined {
  const ms = headers["retry-after-ms"];
  if (typeof ms === "string" && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers["retry-after"];
  if (typeof ra !== "string" || ra.trim() === "") return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Whether an HTTP status is worth retrying. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
