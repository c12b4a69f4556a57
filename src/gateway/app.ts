// The daemon's HTTP application: health, web page (no auth), then auth on everything else, a body limit,
// the route modules, and JSON errors for every failure. Channels add their routes as modules here.
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ApprovalStore } from "../runtime/approval-store.js";
import type { SessionStore } from "../runtime/session-store.js";
import { type AuthLimiter, authenticate } from "./auth.js";
import { errorResponse, type GatewayEnv, jsonError } from "./http-util.js";
import type { InboxStore } from "./inbox.js";
import { approvalRoutes } from "./routes/approvals.js";
import { cronRoutes } from "./routes/cron.js";
import { openAiRoutes } from "./routes/openai.js";
import { sessionRoutes } from "./routes/sessions.js";
import type { RunManager } from "./run-manager.js";
import type { Scheduler } from "./scheduler.js";
import { webUiRoutes } from "./web-ui.js";

/** Largest accepted request body. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Everything the routes use. */
export interface AppDeps {
  token: string;
  version: string;
  limiter: AuthLimiter;
  manager: RunManager;
  store: SessionStore;
  inbox: InboxStore;
  approvals: ApprovalStore;
  /** Cron jobs and heartbeats; without it the /api/cron routes are absent. */
  scheduler?: Scheduler;
  /** Set by the daemon once channels start (only when configured): webhooks in, pairing. */
  channels?: { current?: ChannelRoutes };
}

/** What running channels serve: POST /hooks/:name (signed, no token) and /api/pairing*. */
export interface ChannelRoutes {
  hook(c: Context<GatewayEnv>): Promise<Response>;
  pairing: Hono<GatewayEnv>;
}

/** The remote address of a request (loopback address in tests via app.request()). */
export function remoteAddress(env: GatewayEnv["Bindings"] | undefined): string {
  return env?.incoming?.socket?.remoteAddress ?? "unknown";
}

/** The body limit of the routes before the auth middleware (which applies it to the rest). */
const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => jsonError(413, `request body over ${MAX_BODY_BYTES} bytes`).getResponse(),
});

/** Builds the application. */
export function createApp(d: AppDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.onError((err) => errorResponse(err));
  app.notFound((c) => jsonError(404, `no route for ${c.req.method} ${c.req.path}`).getResponse());

  app.get("/api/health", (c) => c.json({ ok: true, version: d.version }));
  webUiRoutes(app); // static page and assets, no data: before auth
  const noChannels = () => jsonError(404, "no channels are configured (config key `channels`)");
  // Inbound webhooks prove themselves by an HMAC signature, not the token: before the auth middleware.
  app.post("/hooks/:name", limitBody, (c) => {
    const ch = d.channels?.current;
    if (!ch) throw noChannels();
    return ch.hook(c);
  });

  app.use("*", async (c, next) => {
    const verdict = authenticate(
      d.limiter,
      remoteAddress(c.env),
      c.req.url,
      c.req.header("authorization"),
      d.token,
    );
    if (!verdict.ok) {
      const res = jsonError(verdict.status, verdict.message).getResponse();
      if (verdict.retryAfter) res.headers.set("retry-after", String(verdict.retryAfter));
      if (verdict.status === 401) res.headers.set("www-authenticate", 'Bearer realm="ratchet"');
      return res;
    }
    await next();
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => jsonError(413, `request body over ${MAX_BODY_BYTES} bytes`).getResponse(),
    }),
  );

  app.route("/api", sessionRoutes(d));
  app.route("/api", approvalRoutes({ approvals: d.approvals, manager: d.manager }));
  if (d.scheduler) app.route("/api", cronRoutes(d.scheduler));
  app.route("/v1", openAiRoutes(d));
  const pairing = (c: Context<GatewayEnv>) => {
    const ch = d.channels?.current;
    if (!ch) throw noChannels();
    return ch.pairing.fetch(c.req.raw, c.env);
  };
  app.all("/api/pairing", pairing);
  app.all("/api/pairing/*", pairing);
  return app;
}
