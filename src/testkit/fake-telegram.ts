// A loopback fake of the Telegram Bot API for tests: getUpdates long-polls (honouring offset and
// timeout), sendMessage is recorded, tests inject user messages and make calls fail (429 with
// retry_after, 500). Node builtins only, like the scripted model server.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A message the bot sent. */
export interface SentMessage {
  chatId: number;
  text: string;
  messageId: number;
}

/** An injected update, as getUpdates returns it. */
export interface FakeUpdate {
  update_id: number;
  message: {
    message_id: number;
    date: number;
    text: string;
    chat: { id: number; type: string };
    from: { id: number; is_bot: false; first_name: string; username?: string };
  };
}

/** A running fake. */
export interface FakeTelegram {
  /** What `channels.telegram.apiBase` should be. */
  apiBase: string;
  token: string;
  sent: SentMessage[];
  /** Every getUpdates call's offset, in order. */
  polls: number[];
  /** Adds a text message from user `from` in chat `chat` (default: the private chat with `from`). */
  say(from: number, text: string, opts?: { chat?: number; username?: string }): number;
  /** The next `count` calls of `method` fail with `status` (429 carries retry_after seconds). */
  fail(method: string, status: number, count?: number, retryAfter?: number): void;
  /** Resolves when at least `n` messages were sent (rejects after `timeoutMs`). */
  waitSent(n: number, timeoutMs?: number): Promise<SentMessage[]>;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1 with a random port. */
export async function startFakeTelegram(token = "123456:TEST-token"): Promise<FakeTelegram> {
  const updates: FakeUpdate[] = [];
  const sent: SentMessage[] = [];
  const polls: number[] = [];
  const failures = new Map<string, { status: number; count: number; retryAfter: number }>();
  let waiters: (() => void)[] = [];
  let nextUpdate = 1000;
  let nextMessage = 1;
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const m = /^\/bot([^/]+)\/(\w+)$/.exec((req.url ?? "").split("?")[0] ?? "");
    if (!m || m[1] !== token)
      return reply(res, m ? 401 : 404, { ok: false, error_code: 401, description: "Unauthorized" });
    const method = m[2] as string;
    const fail = failures.get(method);
    if (fail && fail.count > 0) {
      fail.count--;
      return reply(res, fail.status, {
        ok: false,
        error_code: fail.status,
        description: fail.status === 429 ? "Too Many Requests" : "Internal Server Error",
        ...(fail.status === 429 ? { parameters: { retry_after: fail.retryAfter } } : {}),
      });
    }
    // biome-ignore lint/suspicious/noExplicitAny: request JSON, read loosely as the real API does.
    let params: any = {};
    try {
      params = raw ? JSON.parse(raw) : {};
    } catch {
      return reply(res, 400, { ok: false, error_code: 400, description: "Bad Request: invalid JSON" });
    }
    if (method === "getUpdates") {
      const offset = Number(params.offset ?? 0);
      polls.push(offset);
      const timeoutMs = Math.min(Number(params.timeout ?? 0), 50) * 1000;
      const ready = () => updates.filter((u) => u.update_id >= offset);
      if (ready().length === 0 && timeoutMs > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, timeoutMs);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
          req.socket.once("close", resolve);
        });
      }
      return reply(res, 200, { ok: true, result: ready() });
    }
    if (method === "sendMessage") {
      if (typeof params.text !== "string" || params.text === "" || params.text.length > 4096)
        return reply(res, 400, {
          ok: false,
          error_code: 400,
          description: "Bad Request: message text is invalid",
        });
      const msg = { chatId: Number(params.chat_id), text: params.text, messageId: nextMessage++ };
      sent.push(msg);
      wake();
      return reply(res, 200, {
        ok: true,
        result: { message_id: msg.messageId, chat: { id: msg.chatId }, text: msg.text },
      });
    }
    return reply(res, 404, { ok: false, error_code: 404, description: "Not Found" });
  };

  const server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      raw += c;
    });
    req.on("end", () => void handle(req, res, raw));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;

  return {
    apiBase: `http://127.0.0.1:${port}`,
    token,
    sent,
    polls,
    say(from, text, opts = {}) {
      const chat = opts.chat ?? from;
      const id = nextUpdate++;
      updates.push({
        update_id: id,
        message: {
          message_id: id,
          date: Math.floor(Date.now() / 1000),
          text,
          chat: { id: chat, type: chat === from ? "private" : "group" },
          from: {
            id: from,
            is_bot: false,
            first_name: `User${from}`,
            ...(opts.username ? { username: opts.username } : {}),
          },
        },
      });
      wake();
      return id;
    },
    fail(method, status, count = 1, retryAfter = 1) {
      failures.set(method, { status, count, retryAfter });
    },
    waitSent(n, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`only ${sent.length} of ${n} messages sent: ${JSON.stringify(sent)}`)),
          timeoutMs,
        );
        const check = () => {
          if (sent.length >= n) {
            clearTimeout(t);
            resolve(sent);
          } else waiters.push(check);
        };
        check();
      });
    },
    close: async () => {
      wake();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
