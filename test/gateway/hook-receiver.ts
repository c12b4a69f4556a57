// Webhook test support: a loopback receiver standing in for a hook's replyUrl (it can fail the
// next N deliveries with a 500, to exercise retries), and a signed POST to the daemon's /hooks.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { sign } from "../../src/gateway/channels/webhooks.js";

/** One reply the daemon delivered. */
export interface Delivery {
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: string; inReplyTo?: string; hook: string; conversation: string; sender: string; text: string };
}

/** A running receiver. */
export interface Receiver {
  /** Where replies go: http://127.0.0.1:port/replies. */
  url: string;
  /** Deliveries answered 200, in order. */
  received: Delivery[];
  /** Answers the next `n` deliveries with a 500 (not recorded). */
  failNext(n: number): void;
  /** Resolves once `n` deliveries have arrived; rejects after 20 s. */
  waitReceived(n: number): Promise<Delivery[]>;
  close(): Promise<void>;
}

/** Starts a receiver on a free loopback port. */
export async function startReceiver(): Promise<Receiver> {
  const received: Delivery[] = [];
  let failing = 0;
  let waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      if (failing > 0) {
        failing--;
        res.writeHead(500).end();
        return;
      }
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(200).end();
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/replies`,
    received,
    failNext: (n) => {
      failing = n;
    },
    waitReceived: (n) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`only ${received.length} of ${n} replies`)), 20_000);
        const check = () => {
          if (received.length >= n) {
            clearTimeout(t);
            resolve(received);
          } else waiters.push(check);
        };
        check();
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * POSTs `body` to the daemon's /hooks/`name`, signed with `secret` unless `signature` is given
 * (`null`: no signature header at all).
 */
export async function postHook(
  d: { url: string },
  secret: string,
  name: string,
  body: unknown,
  signature?: string | null,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["x-ratchet-signature"] = signature ?? sign(secret, raw);
  const res = await fetch(`${d.url}/hooks/${name}`, { method: "POST", headers, body: raw });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
