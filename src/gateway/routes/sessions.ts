// Session routes: send a message (stored before the 202), stream a session's events (SSE), list
// and read sessions, cancel a run, read one message's status and reply, and what a new session can
// be started with (models, default workspace).
import { type Context, Hono } from "hono";
import type { SessionStore } from "../../runtime/session-store.js";
import { type GatewayEnv, jsonError, readJsonObject, sessionSse, stringField } from "../http-util.js";
import type { InboxStore } from "../inbox.js";
import { replyTo } from "../progress.js";
import type { RunManager } from "../run-manager.js";

/** What the session routes use. */
export interface SessionRouteDeps {
  manager: RunManager;
  store: SessionStore;
  inbox: InboxStore;
}

/** Mounted at /api. */
export function sessionRoutes(d: SessionRouteDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();

  const send = async (c: Context<GatewayEnv>, sessionId: string | undefined) => {
    const body = await readJsonObject(c);
    const text = stringField(body, "text", true) as string;
    const workspace = stringField(body, "workspace");
    const model = stringField(body, "model");
    const key = c.req.header("idempotency-key") ?? stringField(body, "idempotencyKey");
    if (key !== undefined && (key.length === 0 || key.length > 200))
      throw jsonError(400, "the idempotency key must be 1–200 characters");
    const { message, duplicate } = d.manager.submit({
      text,
      ...(sessionId ? { sessionId } : {}),
      ...(workspace ? { workspace } : {}),
      ...(model ? { model } : {}),
      ...(key ? { idempotencyKey: key } : {}),
    });
    return c.json(
      { messageId: message.id, sessionId: message.sessionId, status: message.status, duplicate },
      202,
    );
  };
  app.get("/models", (c) => c.json(d.manager.choices()));
  app.post("/sessions/messages", (c) => send(c, undefined));
  app.post("/sessions/:id/messages", (c) => send(c, c.req.param("id")));

  app.get("/sessions", (c) => {
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 50) || 50, 1), 500);
    return c.json({ sessions: d.store.list(limit) });
  });
  app.get("/sessions/:id", (c) => {
    const id = c.req.param("id");
    const summary = d.store.get(id);
    return c.json({ session: summary, running: d.manager.isRunning(id), entries: d.store.entries(id) });
  });
  app.get("/sessions/:id/events", (c) => {
    const id = c.req.param("id");
    d.store.get(id);
    return sessionSse(c, d.manager.hub, id);
  });
  app.post("/sessions/:id/cancel", (c) => {
    const id = c.req.param("id");
    d.store.get(id);
    return c.json({ sessionId: id, cancelled: d.manager.cancel(id) });
  });

  // `?wait=MS` (≤ 30000) long-polls until the message is done or failed, so clients need not spin.
  app.get("/messages/:id", async (c) => {
    const id = c.req.param("id");
    let m = d.inbox.get(id);
    if (!m) throw jsonError(404, `no message "${id}"`);
    const wait = Math.min(Math.max(Number(c.req.query("wait") ?? 0) || 0, 0), 30_000);
    if (wait > 0 && (m.status === "queued" || m.status === "running")) {
      await settled(d, m.sessionId, id, wait);
      m = d.inbox.get(id) ?? m;
    }
    const reply =
      m.status === "done" ? replyTo(d.store.entries(m.sessionId), m.host ?? m.id, m.text) : undefined;
    return c.json({
      messageId: m.id,
      sessionId: m.sessionId,
      status: m.status,
      createdAt: m.createdAt,
      ...(m.host ? { deliveredInto: m.host } : {}),
      ...(reply !== undefined ? { reply } : {}),
      ...(m.error ? { error: m.error } : {}),
    });
  });
  return app;
}

/** Resolves when the message reaches done or failed, or after `ms`. */
function settled(d: SessionRouteDeps, sessionId: string, messageId: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(finish, ms);
    const off = d.manager.hub.subscribe(sessionId, (ev) => {
      if (
        ev.type === "message" &&
        ev.messageId === messageId &&
        (ev.status === "done" || ev.status === "failed")
      )
        finish();
    });
    // It may have settled between the caller's read and the subscription.
    const now = d.inbox.get(messageId)?.status;
    if (now === "done" || now === "failed") finish();
  });
}
