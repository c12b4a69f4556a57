// Talking to the daemon. The token lives in sessionStorage (gone when the tab closes; never in
// localStorage or a URL) and rides in the Authorization header of every call. A session's events
// are read with fetch() because EventSource cannot send that header.

const KEY = "ratchet.token";

/** The stored token. */
export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

/** A refused call: HTTP status, the daemon's message, and seconds to wait when locked out. */
export class ApiError extends Error {
  constructor(status, message, retryAfter = 0) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

let unauthorized = () => {};

/** Called when the stored token stops working (401 on a call made with it). */
export function onUnauthorized(fn) {
  unauthorized = fn;
}

function headers(tok, extra = {}) {
  return { authorization: `Bearer ${tok}`, ...extra };
}

/** One JSON call; throws ApiError for any non-2xx answer. `tok` overrides the stored token. */
export async function api(method, path, body, tok = token.get()) {
  const init = { method, headers: headers(tok), cache: "no-store" };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let json = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = {};
  }
  if (!res.ok) {
    const message = json?.error?.message ?? `HTTP ${res.status}`;
    const err = new ApiError(res.status, message, Number(res.headers.get("retry-after")) || 0);
    if (res.status === 401 && tok === token.get()) unauthorized(err);
    throw err;
  }
  return json;
}

/** Splits one SSE frame into its event name and parsed JSON data (undefined if none). */
function parseFrame(frame) {
  let name = "message";
  const data = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (data.length === 0) return undefined;
  try {
    return { name, data: JSON.parse(data.join("\n")) };
  } catch {
    return undefined;
  }
}

/** Reads a session's events, calling onEvent(name, data) per frame, until the stream ends or `signal` aborts. */
export async function streamEvents(sessionId, onEvent, signal) {
  const res = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}/events`, {
    headers: headers(token.get(), { accept: "text/event-stream" }),
    cache: "no-store",
    signal,
  });
  if (!res.ok || !res.body) {
    if (res.status === 401) unauthorized(new ApiError(401, "unauthorized"));
    throw new ApiError(res.status, `the event stream was refused (HTTP ${res.status})`);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value.replaceAll("\r\n", "\n");
    for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
      const frame = parseFrame(buf.slice(0, i));
      buf = buf.slice(i + 2);
      if (frame) onEvent(frame.name, frame.data);
    }
  }
}
