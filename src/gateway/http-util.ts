// Small HTTP helpers shared by the route modules: JSON body parsing with clear 400s, error mapping
// from typed errors to statuses, and the SSE stream of one session's gateway events.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { streamSSE } from "hono/streaming";
import { RatchetError } from "../util/errors.js";
import type { EventHub, GatewayEvent } from "./events.js";

/** Hono environment of the daemon: the node-server bindings give the socket. */
export type GatewayEnv = {
  Bindings: { incoming: { socket: { remoteAddress?: string } } };
};

/** Parses the body as one JSON object or throws a 400 that says what is wrong. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === "") throw badRequest("the request body is empty; send a JSON object");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body is not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw badRequest("the request body must be a JSON object");
  return value as Record<string, unknown>;
}

/** A string field, optional unless `required`; a wrong type is a 400 naming the field. */
export function stringField(
  body: Record<string, unknown>,
  key: string,
  required = false,
): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw badRequest(`\`${key}\` is required (a string)`);
    return undefined;
  }
  if (typeof v !== "string") throw badRequest(`\`${key}\` must be a string`);
  return v;
}

/** A 400 with a JSON error body. */
export function badRequest(message: string): HTTPException {
  return jsonError(400, message);
}

/** An HTTPException whose response is `{ error: { message, code } }`. */
export function jsonError(
  status: 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500,
  message: string,
  code?: string,
) {
  // `type` and `code` both: OpenAI clients read `error.type`, ours read `error.code`.
  const c = code ?? statusCode(status);
  const body = JSON.stringify({ error: { message, type: c, code: c } });
  return new HTTPException(status, {
    res: new Response(body, { status, headers: { "content-type": "application/json" } }),
  });
}

/** Maps any thrown value to a JSON response; typed user errors keep their message. */
export function errorResponse(err: unknown): Response {
  if (err instanceof HTTPException) return err.getResponse();
  if (err instanceof RatchetError && err.category === "user") {
    const status = err.code.endsWith("_not_found") ? 404 : 400;
    return jsonError(status, err.message, err.code).getResponse();
  }
  return jsonError(500, "internal error (see the daemon's log)").getResponse();
}

function statusCode(status: number): string {
  return (
    { 400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict" }[
      status as 400
    ] ?? (status === 413 ? "body_too_large" : status === 429 ? "rate_limited" : "internal")
  );
}

/** Streams a session's gateway events as SSE until the client leaves; `until` can end it early. */
export function sessionSse(
  c: Context,
  hub: EventHub,
  sessionId: string,
  until?: (ev: GatewayEvent) => boolean,
): Response {
  return streamSSE(c, async (stream) => {
    let wake: (() => void) | undefined;
    const queue: GatewayEvent[] = [];
    let ended = false;
    const off = hub.subscribe(sessionId, (ev) => {
      queue.push(ev);
      wake?.();
    });
    stream.onAbort(() => {
      ended = true;
      wake?.();
    });
    const ping = setInterval(() => void stream.write(": ping\n\n"), 15_000);
    try {
      await stream.writeSSE({ event: "ready", data: JSON.stringify({ sessionId }) });
      while (!ended) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        while (queue.length > 0) {
          const ev = queue.shift() as GatewayEvent;
          await stream.writeSSE({ event: ev.type, data: JSON.stringify(ev) });
          if (until?.(ev)) ended = true;
        }
      }
    } finally {
      clearInterval(ping);
      off();
    }
  });
}
