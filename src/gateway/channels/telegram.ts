// The Telegram channel: long-polls the Bot API's getUpdates and hands each text message to intake
// (chat → session, unknown senders pair first); replies go out through the outbox with
// sendMessage. The update offset is written only after the update's message is stored and its
// reply owed, and the message's idempotency key is the update id, so a crash anywhere in between
// re-reads the update and finds the same message: nothing lost, nothing run twice. sendMessage
// has no idempotency key, so a send a crash cut short is not repeated (see outbox.ts): a chat
// never sees a reply twice. The token is part of every URL, so URLs are never logged.
import { describeError } from "../../util/errors.js";
import { type Delivery, SendError, type Sender } from "./delivery.js";
import type { Inbound, Intake } from "./intake.js";
import type { Outbox, OutboxRow } from "./outbox.js";
import { warmFetch } from "./warm.js";

/** Telegram's limit on one message's text. */
export const TELEGRAM_MAX_TEXT = 4096;

/** The live settings a poll reads (allowFrom and workspace apply without a restart). */
export interface TelegramSettings {
  allowFrom?: (string | number)[];
  workspace?: string;
}

export interface TelegramOptions {
  token: string;
  apiBase: string;
  pollTimeoutSec: number;
  settings: () => TelegramSettings;
  intake: (m: Inbound) => Intake;
  outbox: Outbox;
  delivery: Delivery;
  log: (line: string) => void;
}

interface Update {
  update_id: number;
  message?: {
    message_id: number;
    text?: string;
    chat: { id: number; type?: string };
    from?: { id: number; username?: string; first_name?: string; last_name?: string; is_bot?: boolean };
  };
}

/** A running Telegram channel. */
export interface TelegramChannel {
  close(): Promise<void>;
}

/** Starts polling and registers the sender. */
export function startTelegram(o: TelegramOptions): TelegramChannel {
  const abort = new AbortController();
  // The numeric bot id (the token's public half): update ids are per bot.
  const bot = o.token.split(":")[0] ?? "bot";
  const offsetKey = `telegram.offset.${bot}`;
  const call = <T>(method: string, body: unknown, timeoutMs: number, signal: AbortSignal) =>
    botCall<T>(`${o.apiBase.replace(/\/+$/, "")}/bot${o.token}/${method}`, body, timeoutMs, signal);

  const sender: Sender = {
    // sendMessage has no idempotency key: a send cut short by a crash is not repeated.
    resendInDoubt: false,
    prepare: warmFetch,
    // Telegram throttles per chat too: one chat's 429 must not hold up the others.
    lane: (row) => String(row.target.chatId),
    parts: (text) => splitText(text, TELEGRAM_MAX_TEXT),
    send: async (row: OutboxRow, part: string, _index: number, signal: AbortSignal) => {
      await call("sendMessage", { chat_id: row.target.chatId, text: part }, 30_000, signal);
    },
  };
  o.delivery.register("telegram", sender);

  const handle = (u: Update): void => {
    const msg = u.message;
    if (!msg?.text || !msg.from || msg.from.is_bot) return;
    const s = o.settings();
    const name = [msg.from.first_name, msg.from.last_name].filter(Boolean).join(" ");
    o.intake({
      channel: "telegram",
      peerId: String(msg.from.id),
      label: msg.from.username ? `@${msg.from.username}${name ? ` (${name})` : ""}` : name || undefined,
      conversation: String(msg.chat.id),
      text: msg.text,
      key: `telegram:${bot}:${u.update_id}`,
      target: { chatId: msg.chat.id },
      ...(s.workspace ? { workspace: s.workspace } : {}),
      allowFrom: s.allowFrom ?? [],
      replies: true,
    });
  };

  const poll = async (): Promise<void> => {
    let offset = Number(o.outbox.state(offsetKey) ?? 0);
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        const updates = await call<Update[]>(
          "getUpdates",
          { offset, timeout: o.pollTimeoutSec, allowed_updates: ["message"] },
          (o.pollTimeoutSec + 15) * 1000,
          abort.signal,
        );
        failures = 0;
        for (const u of updates) {
          if (abort.signal.aborted) return;
          if (u.update_id < offset) continue;
          handle(u);
          offset = u.update_id + 1;
          o.outbox.setState(offsetKey, String(offset));
        }
      } catch (err) {
        if (abort.signal.aborted) return;
        failures++;
        const e = err instanceof SendError ? err : new SendError(describeError(err));
        const delay = e.retryAfterMs ?? Math.min(30_000, 500 * 2 ** Math.min(failures - 1, 6));
        // Log the first failures and then every 10th, so an outage does not flood the log.
        if (failures <= 3 || failures % 10 === 0)
          o.log(`telegram: getUpdates failed (${e.message}); retrying in ${delay} ms`);
        await sleep(delay, abort.signal);
      }
    }
  };
  const polling = poll().catch((err: unknown) => o.log(`telegram: polling stopped: ${describeError(err)}`));

  return {
    close: async () => {
      abort.abort();
      await polling;
    },
  };
}

/** One Bot API call; failures are SendErrors (429 carries retry_after; 4xx are permanent). */
async function botCall<T>(url: string, body: unknown, timeoutMs: number, signal: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (err) {
    // Never the URL (it holds the token): only what went wrong.
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new SendError(`cannot reach the Bot API: ${(err as Error).name}${cause ? ` ${cause}` : ""}`);
  }
  let json: { ok?: boolean; result?: T; description?: string; parameters?: { retry_after?: number } };
  try {
    json = (await res.json()) as typeof json;
  } catch {
    throw new SendError(`the Bot API answered ${res.status} without JSON`);
  }
  if (res.ok && json.ok) return json.result as T;
  const what = `the Bot API answered ${res.status}${json.description ? `: ${json.description}` : ""}`;
  if (res.status === 429) throw new SendError(what, Math.max(1, json.parameters?.retry_after ?? 1) * 1000);
  if (res.status === 401 || res.status === 404)
    throw new SendError(
      `${what} (check the bot token: TELEGRAM_BOT_TOKEN or channels.telegram.botTokenEnv)`,
      60_000,
    );
  throw new SendError(what, undefined, res.status >= 400 && res.status < 500);
}

/** Cuts text into parts of at most `max` UTF-16 units, preferring line breaks, never splitting a pair. */
export function splitText(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    let cut = rest.lastIndexOf("\n", max);
    if (cut < max / 2) cut = max;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut--;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, "");
  }
  if (rest.length > 0) out.push(rest);
  return out;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
