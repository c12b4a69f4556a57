// WebSocket API at /api/ws. Browsers cannot set Authorization on a WebSocket, so the token comes in
// the Sec-WebSocket-Protocol header ("ratchet.v1, bearer.<token>"), never in the URL. The Origin
// must be absent (non-browser client) or the daemon's own loopback origin: a web page elsewhere
// cannot drive the agent from the owner's browser. Frames are JSON; bad ones get an error frame.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import { type AuthLimiter, authenticate } from "./auth.js";
import type { GatewayEvent } from "./events.js";
import type { RunManager } from "./run-manager.js";

/** The subprotocol the daemon speaks (and echoes back; the bearer entry is never echoed). */
export const WS_PROTOCOL = "ratchet.v1";
/** Largest accepted frame. */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** A client that falls this far behind is disconnected instead of buffering without bound. */
const MAX_BUFFERED = 8 * 1024 * 1024;

/** What the WebSocket endpoint needs. */
export interface WsDeps {
  token: string;
  limiter: AuthLimiter;
  manager: RunManager;
  /** Origins allowed besides none at all, e.g. http://127.0.0.1:7878. */
  allowedOrigins: () => Set<string>;
}

/** The upgrade handler for the HTTP server's "upgrade" event, and a way to drop every connection. */
export interface WsHandler {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes all connections (shutdown: upgraded sockets are not the HTTP server's to close). */
  close(): void;
}

/** Creates the WebSocket endpoint. */
export function createWsHandler(d: WsDeps): WsHandler {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => {});
    const url = req.url ?? "/";
    if (url.split("?")[0] !== "/api/ws")
      return refuse(socket, 404, "no WebSocket endpoint here; use /api/ws");
    const origin = req.headers.origin;
    if (origin !== undefined && !d.allowedOrigins().has(origin.toLowerCase()))
      return refuse(socket, 403, `origin ${origin} is not allowed`);
    const addr = req.socket.remoteAddress ?? "unknown";
    const verdict = authenticate(d.limiter, addr, url, bearerHeader(req), d.token);
    if (!verdict.ok) return refuse(socket, verdict.status, verdict.message, verdict.retryAfter);
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, socket, d.manager));
  };
  return {
    upgrade,
    close: () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

/** The Authorization header, or one built from a "bearer.<token>" subprotocol entry. */
function bearerHeader(req: IncomingMessage): string | undefined {
  if (req.headers.authorization) return req.headers.authorization;
  const offered = (req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
  const entry = offered.find((p) => p.startsWith("bearer."));
  return entry ? `Bearer ${entry.slice("bearer.".length)}` : undefined;
}

function refuse(socket: Duplex, status: number, message: string, retryAfter?: number): void {
  const reason = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
  }[status as 400];
  const body = JSON.stringify({ error: { message } });
  const extra = retryAfter ? `Retry-After: ${retryAfter}\r\n` : "";
  socket.end(
    `HTTP/1.1 ${status} ${reason ?? "Error"}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}

type Frame = Record<string, unknown>;

/** One connection: subscriptions and send/cancel frames. */
function serve(ws: WebSocket, socket: Duplex, manager: RunManager): void {
  const subs = new Map<string, () => void>();
  // Frames produced in one tick (a run emits several events at once) leave in one write: the
  // socket is corked on the first and uncorked on the next tick, saving a syscall per frame.
  let corked = false;
  const push = (value: unknown) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED) return ws.terminate();
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(() => {
        corked = false;
        socket.uncork();
      });
    }
    ws.send(JSON.stringify(value));
  };
  const subscribe = (sessionId: string) => {
    if (!subs.has(sessionId))
      subs.set(
        sessionId,
        manager.hub.subscribe(sessionId, (event: GatewayEvent) => push({ type: "event", event })),
      );
  };
  ws.on("error", () => {});
  ws.on("close", () => {
    for (const off of subs.values()) off();
    subs.clear();
  });
  ws.on("message", (data, isBinary) => {
    let frame: Frame;
    try {
      if (isBinary) throw new Error("binary frames are not accepted; send JSON text");
      const v: unknown = JSON.parse(data.toString());
      if (typeof v !== "object" || v === null || Array.isArray(v))
        throw new Error("a frame must be a JSON object");
      frame = v as Frame;
    } catch (err) {
      return push({ type: "error", message: `malformed frame: ${(err as Error).message}` });
    }
    const id = typeof frame.id === "string" || typeof frame.id === "number" ? frame.id : undefined;
    try {
      handle(frame, id);
    } catch (err) {
      push({ type: "error", ...(id !== undefined ? { id } : {}), message: (err as Error).message });
    }
  });

  const str = (f: Frame, key: string, required = false): string | undefined => {
    const v = f[key];
    if (v === undefined || v === null) {
      if (required) throw new Error(`\`${key}\` is required (a string)`);
      return undefined;
    }
    if (typeof v !== "string") throw new Error(`\`${key}\` must be a string`);
    return v;
  };
  const handle = (f: Frame, id: string | number | undefined) => {
    const reply = (v: Record<string, unknown>) => push({ ...v, ...(id !== undefined ? { id } : {}) });
    switch (f.type) {
      case "ping":
        return reply({ type: "pong" });
      case "subscribe": {
        const sessionId = str(f, "sessionId", true) as string;
        subscribe(sessionId);
        return reply({ type: "subscribed", sessionId });
      }
      case "unsubscribe": {
        const sessionId = str(f, "sessionId", true) as string;
        subs.get(sessionId)?.();
        subs.delete(sessionId);
        return reply({ type: "unsubscribed", sessionId });
      }
      case "send": {
        const text = str(f, "text", true) as string;
        const sessionId = str(f, "sessionId");
        const workspace = str(f, "workspace");
        const model = str(f, "model");
        const key = str(f, "idempotencyKey");
        const { message, duplicate } = manager.submit({
          text,
          ...(sessionId ? { sessionId } : {}),
          ...(workspace ? { workspace } : {}),
          ...(model ? { model } : {}),
          ...(key ? { idempotencyKey: key } : {}),
        });
        // Subscribe before the ack goes out: no event of this message's run can be missed.
        subscribe(message.sessionId);
        return reply({ type: "ack", messageId: message.id, sessionId: message.sessionId, duplicate });
      }
      case "cancel": {
        const sessionId = str(f, "sessionId", true) as string;
        return reply({ type: "cancelled", sessionId, cancelled: manager.cancel(sessionId) });
      }
      default:
        throw new Error(
          `unknown frame type ${JSON.stringify(f.type)}; use subscribe, unsubscribe, send, cancel or ping`,
        );
    }
  };
}
