// OpenAI-compatible endpoint: each agent is a model ("ratchet", "ratchet/<agent>"; one agent for
// now). The last user message is the input; the conversation is the Ratchet session named by the
// X-Session-Id header or the `user` field (else a new session per request), so the client does not
// resend history. Messages go through the same durable inbox and run manager as the native API.
// A streaming client that sends `X-Ratchet-Events: tools` also gets the agent's tool calls and
// results, as chunks with an empty delta and a `ratchet` field (clients that do not know it skip it).
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { AgentEvent } from "../../loop/events.js";
import type { Usage } from "../../models/types.js";
import type { SessionStore } from "../../runtime/session-store.js";
import type { GatewayEvent } from "../events.js";
import { type GatewayEnv, jsonError, readJsonObject } from "../http-util.js";
import type { InboxStore } from "../inbox.js";
import type { RunManager } from "../run-manager.js";

/** The agents exposed as models. */
export const AGENT_MODELS = ["ratchet", "ratchet/default"];

/** What the OpenAI routes use. */
export interface OpenAiRouteDeps {
  manager: RunManager;
  store: SessionStore;
  inbox: InboxStore;
}

/** Mounted at /v1. */
export function openAiRoutes(d: OpenAiRouteDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const created = Math.floor(Date.now() / 1000);
  app.get("/models", (c) =>
    c.json({
      object: "list",
      data: AGENT_MODELS.map((id) => ({ id, object: "model", created, owned_by: "ratchet" })),
    }),
  );
  app.post("/chat/completions", async (c) => {
    const body = await readJsonObject(c);
    const model = typeof body.model === "string" ? body.model : "";
    if (!AGENT_MODELS.includes(model))
      throw jsonError(
        404,
        `model "${model}" does not exist; use one of ${AGENT_MODELS.join(", ")}`,
        "model_not_found",
      );
    const text = lastUserText(body.messages);
    const key = c.req.header("x-session-id") ?? (typeof body.user === "string" ? body.user : undefined);
    const sessionId = key ? sessionForKey(d, key) : undefined;
    const { message } = d.manager.submit({ text, ...(sessionId ? { sessionId } : {}) });
    if (key && !sessionId) d.inbox.bindKey(key, message.sessionId);
    const id = `chatcmpl-${message.id}`;
    const ts = Math.floor(Date.now() / 1000);
    c.header("x-session-id", message.sessionId);
    const toolEvents = (c.req.header("x-ratchet-events") ?? "").split(/[\s,]+/).includes("tools");
    if (body.stream === true)
      return streamCompletion(c, d, message.sessionId, message.id, { id, model, ts, toolEvents });
    const outcome = await waitFor(d, message.sessionId, message.id, c.req.raw.signal);
    if (outcome.status !== "done")
      throw jsonError(500, `the agent run failed: ${outcome.error ?? "unknown error"}`, "agent_error");
    return c.json({
      id,
      object: "chat.completion",
      created: ts,
      model,
      choices: [{ index: 0, message: { role: "assistant", content: outcome.reply }, finish_reason: "stop" }],
      usage: openAiUsage(outcome.usage),
    });
  });
  return app;
}

interface Outcome {
  status: string;
  reply: string;
  error?: string;
  usage: Usage | undefined;
}

/** The session a conversation key names: a bound key, or an existing Ratchet session id. */
function sessionForKey(d: OpenAiRouteDeps, key: string): string | undefined {
  const bound = d.inbox.sessionForKey(key);
  if (bound) return bound;
  try {
    return d.store.get(key).id;
  } catch {
    return undefined;
  }
}

/** Text of the last user message; content may be a string or a list of text parts. */
function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) throw jsonError(400, "`messages` must be an array");
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown; content?: unknown } | null;
    if (!m || typeof m !== "object" || m.role !== "user") continue;
    if (typeof m.content === "string") return m.content;
    if (Array.isArray(m.content))
      return m.content
        .map((p: { type?: unknown; text?: unknown }) =>
          p?.type === "text" && typeof p.text === "string" ? p.text : "",
        )
        .join("");
    throw jsonError(400, `messages[${i}].content must be a string or an array of text parts`);
  }
  throw jsonError(400, "`messages` has no user message");
}

/** Resolves when the message is done or failed, with its reply and the usage of its run. */
function waitFor(
  d: OpenAiRouteDeps,
  sessionId: string,
  messageId: string,
  signal: AbortSignal,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let usage: Usage | undefined;
    // A client that hangs up stops waiting; the run itself goes on (the message is durable).
    signal.addEventListener("abort", () => {
      off();
      resolve({ status: "gone", reply: "", usage });
    });
    const off = d.manager.hub.subscribe(sessionId, (ev) => {
      const u = runUsage(ev, messageId);
      if (u) usage = u;
      if (
        ev.type === "message" &&
        ev.messageId === messageId &&
        (ev.status === "done" || ev.status === "failed")
      ) {
        off();
        resolve({
          status: ev.status,
          reply: ev.reply ?? "",
          usage,
          ...(ev.error ? { error: ev.error } : {}),
        });
      }
    });
  });
}

function streamCompletion(
  c: Context<GatewayEnv>,
  d: OpenAiRouteDeps,
  sessionId: string,
  messageId: string,
  meta: { id: string; model: string; ts: number; toolEvents: boolean },
): Response {
  const chunk = (
    delta: Record<string, unknown>,
    finish: string | null,
    extra: Record<string, unknown> = {},
  ) =>
    JSON.stringify({
      id: meta.id,
      object: "chat.completion.chunk",
      created: meta.ts,
      model: meta.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...extra,
    });
  return streamSSE(c, async (stream) => {
    const queue: GatewayEvent[] = [];
    let wake: (() => void) | undefined;
    let gone = false;
    const off = d.manager.hub.subscribe(sessionId, (ev) => {
      queue.push(ev);
      wake?.();
    });
    stream.onAbort(() => {
      gone = true;
      wake?.();
    });
    let usage: Usage | undefined;
    try {
      await stream.writeSSE({ data: chunk({ role: "assistant", content: "" }, null) });
      for (;;) {
        if (queue.length === 0 && !gone) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        if (gone) return;
        const ev = queue.shift() as GatewayEvent;
        const u = runUsage(ev, messageId);
        if (u) usage = u;
        if (ev.type === "agent" && ev.messageIds.includes(messageId)) {
          const e = ev.event;
          if (e.type === "model" && e.event.type === "text_delta")
            await stream.writeSSE({ data: chunk({ content: e.event.delta }, null) });
          const tool = meta.toolEvents ? toolEvent(e) : undefined;
          if (tool) await stream.writeSSE({ data: chunk({}, null, { ratchet: tool }) });
          continue;
        }
        if (ev.type !== "message" || ev.messageId !== messageId) continue;
        if (ev.status === "done") {
          await stream.writeSSE({ data: chunk({}, "stop", { usage: openAiUsage(usage) }) });
        } else if (ev.status === "failed") {
          const error = {
            message: `the agent run failed: ${ev.error ?? "unknown error"}`,
            type: "agent_error",
          };
          await stream.writeSSE({ data: JSON.stringify({ error }) });
        } else continue;
        await stream.writeSSE({ data: "[DONE]" });
        return;
      }
    } finally {
      off();
    }
  });
}

/** Tool output sent in an event at most (the session keeps all of it). */
const MAX_EVENT_OUTPUT = 4000;

/** The `ratchet` field of a tool event chunk, or undefined for other agent events. */
function toolEvent(e: AgentEvent): Record<string, unknown> | undefined {
  if (e.type === "tool_start")
    return { type: "tool_call", id: e.call.id, name: e.call.name, arguments: e.call.arguments };
  if (e.type !== "tool_end") return undefined;
  const out = e.result.content;
  return {
    type: "tool_result",
    id: e.call.id,
    name: e.call.name,
    is_error: e.result.isError,
    content: out.length > MAX_EVENT_OUTPUT ? `${out.slice(0, MAX_EVENT_OUTPUT)}…[truncated]` : out,
    duration_ms: e.durationMs,
  };
}

function runUsage(ev: GatewayEvent, messageId: string): Usage | undefined {
  return ev.type === "agent" && ev.messageIds.includes(messageId) && ev.event.type === "run_end"
    ? ev.event.result.usage
    : undefined;
}

function openAiUsage(u: Usage | undefined) {
  const prompt = u ? u.input + u.cacheRead + u.cacheWrite : 0;
  const completion = u?.output ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
