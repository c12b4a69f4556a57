// `ratchet daemon`: opens the stores, the token and the live config, serves the HTTP API (and
// WebSocket upgrades, whose code loads on first use), re-processes the inbox, and stops cleanly on
// SIGTERM/SIGINT leaving in-flight messages to resume at the next start.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Duplex } from "node:stream";
import { getRequestListener } from "@hono/node-server";
import type { StreamFn } from "../models/types.js";
import { ApprovalStore } from "../runtime/approval-store.js";
import { SessionStore } from "../runtime/session-store.js";
import type { ExecBackend } from "../tools/exec-backend.js";
import { userError } from "../util/errors.js";
import { type ChannelRoutes, createApp, MAX_BODY_BYTES } from "./app.js";
import { AuthLimiter } from "./auth.js";
import { watchConfig } from "./config-watch.js";
import { InboxStore } from "./inbox.js";
import { RunManager } from "./run-manager.js";
import { Scheduler } from "./scheduler.js";
import { SchedulerStore } from "./scheduler-store.js";
import { loadOrCreateToken } from "./token.js";
import type { WsHandler } from "./ws.js";

/** Default port of the daemon (and of the CLI's probe). */
export const DEFAULT_PORT = 7878;

/** Options of a daemon. */
export interface DaemonOptions {
  home: string;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Binding to a non-loopback address needs this explicit opt-in; auth stays on regardless. */
  allowRemote?: boolean;
  /** Workspace of messages that name none. */
  workspace: string;
  version: string;
  stream?: StreamFn;
  exec?: ExecBackend;
  log?: (line: string) => void;
}

/** A running daemon. */
export interface Daemon {
  url: string;
  manager: RunManager;
  close(): Promise<void>;
}

/** Whether `host` is a loopback address or name. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Starts serving; rejects a non-loopback host without allowRemote. */
export async function startDaemon(o: DaemonOptions): Promise<Daemon> {
  if (!isLoopback(o.host) && !o.allowRemote)
    throw userError(
      "remote_bind_refused",
      `Refusing to listen on ${o.host}: it is reachable from other machines. Use the default 127.0.0.1 ` +
        "(and an SSH tunnel or reverse proxy with TLS), or pass --allow-remote to accept it explicitly (the token is still required).",
    );
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const token = loadOrCreateToken(o.home);
  const live = watchConfig(o.home, log);
  const db = path.join(o.home, "ratchet.db");
  const store = new SessionStore(db);
  const inbox = new InboxStore(db);
  const approvals = new ApprovalStore(db);
  const limiter = new AuthLimiter();
  const manager = new RunManager({
    home: o.home,
    store,
    inbox,
    approvals,
    config: live.current,
    defaultWorkspace: o.workspace,
    ...(o.stream ? { stream: o.stream } : {}),
    ...(o.exec ? { exec: o.exec } : {}),
    log,
  });
  // Channels start after recovery, and only when configured (their code loads then).
  const channels: { current?: ChannelRoutes & { close(): Promise<void> } } = {};
  const cronStore = new SchedulerStore(db);
  const scheduler = new Scheduler({
    store: cronStore,
    submit: (input) => manager.submit(input),
    lookup: (key) => inbox.byKey(key),
    defaultWorkspace: o.workspace,
    log,
  });
  const app = createApp({
    token,
    version: o.version,
    limiter,
    manager,
    store,
    inbox,
    approvals,
    scheduler,
    channels,
  });
  const listener = getRequestListener(app.fetch);
  const server = createServer((req, res) => {
    if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) return tooLarge(req, res);
    void listener(req, res);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;

  let port = o.port;
  const origins = () => {
    const set = new Set<string>();
    for (const h of ["127.0.0.1", "localhost", "[::1]"]) set.add(`http://${h}:${port}`);
    if (o.allowRemote) set.add(`http://${o.host.toLowerCase()}:${port}`);
    return set;
  };
  // The WebSocket code (and the ws package) loads on the first upgrade: most starts never need it.
  let ws: WsHandler | undefined;
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (ws) return ws.upgrade(req, socket, head);
    void import("./ws.js").then((m) => {
      ws ??= m.createWsHandler({ token, limiter, manager, allowedOrigins: origins });
      ws.upgrade(req, socket, head);
    });
  });
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const host = o.host.includes(":") && !o.host.startsWith("[") ? `[${o.host}]` : o.host;
  const resumed = manager.recover();
  if (resumed > 0) log(`inbox: re-processing ${resumed} message(s) left from the last run`);
  scheduler.start(); // after recover(): catch-up slots queue behind the resumed messages
  // Channels start when the config has them: now, or at the reload that adds them.
  let closing = false;
  let starting: Promise<void> | undefined;
  const ensureChannels = (reason?: string): Promise<void> | undefined => {
    if (closing || channels.current || starting || !live.current().channels) return starting;
    starting = import("./channels/index.js")
      .then(({ startChannels }) => {
        if (closing) return;
        channels.current = startChannels({
          db,
          config: live.current,
          manager,
          inbox,
          store,
          env: process.env,
          log,
        });
        if (reason) log(`channels: started (${reason})`);
      })
      .catch((err) => log(`channels: could not start: ${(err as Error).message}`))
      .finally(() => {
        starting = undefined;
      });
    return starting;
  };
  await ensureChannels();
  live.onReload(() => void ensureChannels("the config now has `channels`"));

  return {
    url: `http://${host}:${port}`,
    manager,
    close: async () => {
      closing = true;
      await starting;
      await channels.current?.close();
      scheduler.stop();
      await manager.shutdown();
      ws?.close();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      live.close();
      inbox.close();
      cronStore.close();
      approvals.close();
      store.close();
    },
  };
}

/** Bodies up to this size are read and dropped after a 413, so the client sees the answer. */
const DRAIN_LIMIT = 8 * MAX_BODY_BYTES;

/**
 * Answers an oversized request (by Content-Length) with 413 before routing. The body is drained
 * so the client can read the answer; past DRAIN_LIMIT the connection is cut instead.
 */
function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify({
    error: {
      message: `request body over ${MAX_BODY_BYTES} bytes`,
      type: "body_too_large",
      code: "body_too_large",
    },
  });
  let seen = 0;
  req.on("data", (c: Buffer) => {
    seen += c.length;
    if (seen > DRAIN_LIMIT) req.destroy();
  });
  req.on("error", () => {});
  req.on("end", () =>
    res.writeHead(413, { "content-type": "application/json", connection: "close" }).end(body),
  );
}
