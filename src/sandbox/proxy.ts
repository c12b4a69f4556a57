// Host-side HTTP proxy for the sandbox's optional network allowlist. It listens on a Unix socket
// that is bind-mounted into the sandbox (whose network namespace has only loopback) and forwards
// plain HTTP requests (absolute-form) and HTTPS CONNECT tunnels to hosts the allowlist names;
// anything else gets a 403 whose body says why and how to allow it. Decisions are by hostname as
// the client asked for it; the proxy resolves names itself, so the sandbox needs no DNS. Allowing
// a name by its exact spelling trusts whatever it resolves to: allow names you control. A host
// admitted only by a wildcard (`*`, `*.example.com`) must not lead to this machine or its private
// networks: loopback, private, link-local and similar addresses are refused after resolution (so
// DNS rebinding cannot turn "the internet" into the host's Redis or the daemon's port).
import * as dns from "node:dns";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";

/** Normalized host for matching: lower case, no brackets, no trailing dot. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  return h.endsWith(".") ? h.slice(0, -1) : h;
}

/**
 * Whether `host` matches one allowlist entry: an exact name or address, `*.example.com` (any
 * subdomain, not example.com itself) or `*` (anything).
 */
export function hostMatches(host: string, pattern: string): boolean {
  const h = normalizeHost(host);
  const p = normalizeHost(pattern);
  if (p === "*") return true;
  if (p.startsWith("*.")) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return h === p;
}

/** Whether any allowlist entry matches `host`. */
export function isHostAllowed(host: string, allow: readonly string[]): boolean {
  return allow.some((p) => hostMatches(host, p));
}

/** Whether `host` is named by an entry without a wildcard (then internal addresses are allowed). */
export function isHostNamed(host: string, allow: readonly string[]): boolean {
  return allow.some((p) => !normalizeHost(p).startsWith("*") && hostMatches(host, p));
}

// Addresses that are this machine or a private network, never "the internet".
const INTERNAL = new net.BlockList();
for (const [net4, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const)
  INTERNAL.addSubnet(net4, bits, "ipv4");
for (const [net6, bits] of [
  ["::", 127], // :: and ::1
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  INTERNAL.addSubnet(net6, bits, "ipv6");

/** Whether `address` (an IP literal) is loopback, private, link-local, multicast or unspecified. */
export function isInternalAddress(address: string): boolean {
  const a = normalizeHost(address);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return INTERNAL.check(mapped[1], "ipv4");
  const family = net.isIP(a);
  if (family === 4) return INTERNAL.check(a, "ipv4");
  if (family === 6) return INTERNAL.check(a, "ipv6");
  return false;
}

/** dns.lookup that fails for internal addresses (used for hosts admitted by a wildcard only). */
const publicOnlyLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, "", 0);
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => isInternalAddress(a.address));
    if (bad || list.length === 0)
      return callback(
        Object.assign(
          new Error(`${hostname} resolves to ${bad?.address ?? "nothing"}, an internal address`),
          {
            code: "EACCES",
          },
        ),
        "",
        0,
      );
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
    callback(null, list[0].address, list[0].family);
  });
};

/** Why a connection to `host` is refused, or undefined when it may go ahead. */
function refusal(host: string, allow: readonly string[]): { status: number; body: string } | undefined {
  if (!isHostAllowed(host, allow)) return { status: 403, body: denialBody(host, allow) };
  if (!isHostNamed(host, allow) && isInternalAddress(host)) return { status: 403, body: internalBody(host) };
  return undefined;
}

function internalBody(host: string): string {
  return (
    `Blocked by Ratchet's sandbox network allowlist: "${normalizeHost(host)}" is an internal address ` +
    "(this machine or a private network), which a wildcard entry does not cover. To permit it, add " +
    "the exact host or address to the agent's network allow list.\n"
  );
}

/** A running proxy. */
export interface AllowlistProxy {
  socketPath: string;
  close(): Promise<void>;
}

/** Options of the proxy. */
export interface AllowlistProxyOptions {
  allow: readonly string[];
  /** Unix socket path to listen on; its directory must exist and be private. */
  socketPath: string;
}

// Hop-by-hop and proxy headers are not forwarded (RFC 9110 §7.6.1).
const HOP_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function denialBody(host: string, allow: readonly string[]): string {
  const list = allow.length ? allow.join(", ") : "(empty)";
  return (
    `Blocked by Ratchet's sandbox network allowlist: "${normalizeHost(host)}" is not allowed ` +
    `(allowed: ${list}). To permit it, add it to the agent's network allow list.\n`
  );
}

/** Splits "host:port" / "[v6]:port" from a CONNECT request line. */
function splitHostPort(authority: string): { host: string; port: number } | undefined {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(authority);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: normalizeHost(m[1]), port } : undefined;
}

/** Starts the proxy; resolves once it listens. The server does not keep the process alive. */
export function startAllowlistProxy(opts: AllowlistProxyOptions): Promise<AllowlistProxy> {
  const allow = [...opts.allow];
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  };

  const server = http.createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      res
        .writeHead(400, { "content-type": "text/plain" })
        .end("Ratchet sandbox proxy: absolute URL expected.\n");
      return;
    }
    if (url.protocol !== "http:") {
      res
        .writeHead(400, { "content-type": "text/plain" })
        .end("Ratchet sandbox proxy: use CONNECT for https.\n");
      return;
    }
    const refused = refusal(url.hostname, allow);
    if (refused) {
      res.writeHead(refused.status, { "content-type": "text/plain" }).end(refused.body);
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers))
      if (!HOP_HEADERS.has(k) && v !== undefined) headers[k] = v;
    const upstream = http.request(
      {
        hostname: normalizeHost(url.hostname),
        port: url.port || 80,
        method: req.method,
        path: url.pathname + url.search,
        headers,
        ...(isHostNamed(url.hostname, allow) ? {} : { lookup: publicOnlyLookup }),
      },
      (up) => {
        const out: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(up.headers))
          if (!HOP_HEADERS.has(k) && v !== undefined) out[k] = v;
        res.writeHead(up.statusCode ?? 502, out);
        up.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`Ratchet sandbox proxy: upstream error: ${err.message}\n`);
    });
    req.pipe(upstream);
  });

  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    track(client);
    const target = splitHostPort(req.url ?? "");
    const reply = (status: string, body: string) =>
      client.end(
        `HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    client.on("error", () => client.destroy());
    if (!target) return reply("400 Bad Request", "Ratchet sandbox proxy: CONNECT host:port expected.\n");
    const refused = refusal(target.host, allow);
    if (refused) return reply("403 Forbidden", refused.body);
    const upstream = net.connect({
      host: target.host,
      port: target.port,
      ...(isHostNamed(target.host, allow) ? {} : { lookup: publicOnlyLookup }),
    });
    track(upstream);
    let established = false;
    upstream.on("connect", () => {
      established = true;
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on("error", (err) => {
      if (!established)
        reply("502 Bad Gateway", `Ratchet sandbox proxy: cannot reach ${req.url}: ${err.message}\n`);
      else client.destroy();
    });
    client.on("close", () => upstream.destroy());
  });
  server.on("connection", track);

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.socketPath, () => {
      server.off("error", reject);
      server.unref();
      resolve({
        socketPath: opts.socketPath,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => {
              fs.rmSync(opts.socketPath, { force: true });
              done();
            });
          }),
      });
    });
  });
}
