// Channels under kill -9: Telegram chats and webhook conversations keep sending while a loop
// SIGKILLs the daemon at random moments and a supervisor restarts it. Asserts that every message
// the channel acknowledged (Telegram: the offset moved past it; webhook: a 202) was run once and
// answered in its own conversation, and that no Telegram chat got a reply twice. The one
// exception is by design: a Telegram send a kill cut short is "in doubt" and not repeated (the
// outbox records it); webhook sends in doubt are repeated with the same Idempotency-Key.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { sign } from "../../src/gateway/channels/webhooks.js";
import { startFakeTelegram } from "../../src/testkit/fake-telegram.js";
import { chaosMonkey, daemonSandbox, startReactiveModel } from "./support.js";

const CHATS = 8;
const HOOK_CONVERSATIONS = 4;
const ROUNDS = 3;
const MAX_KILLS = 15;
const SECRET = "chaos-secret";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test("kill -9 while channel messages are in flight: each accepted message runs once, no chat gets a reply twice", {
  timeout: 150_000,
}, async () => {
  const model = await startReactiveModel();
  const tg = await startFakeTelegram();
  const deliveries: { key: string; text: string; conversation: string }[] = [];
  const receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const body = JSON.parse(raw) as { text: string; conversation: string };
      deliveries.push({
        key: String(req.headers["idempotency-key"]),
        text: body.text,
        conversation: body.conversation,
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const replyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
  const allowFrom = Array.from({ length: CHATS }, (_, i) => 1000 + i);
  const sb = daemonSandbox(model, {
    daemon: { maxConcurrentRuns: 8 },
    channels: {
      telegram: { apiBase: tg.apiBase, allowFrom, pollTimeoutSec: 5 },
      webhooks: { chaos: { secretEnv: "CHAOS_SECRET", replyUrl, allowFrom: ["svc"] } },
    },
  });
  sb.env.TELEGRAM_BOT_TOKEN = tg.token;
  sb.env.CHAOS_SECRET = SECRET;

  const chaos = await chaosMonkey(sb, { seed: 7, maxKills: MAX_KILLS, minGapMs: 200, spreadMs: 500 });

  // Read-only look at the outbox while the daemon runs (WAL allows it): a reply given up as in doubt.
  const watch = new Database(path.join(sb.home, "ratchet.db"), { readonly: true });
  const doubtedQuery = watch.prepare(
    "SELECT 1 FROM channel_outbox o JOIN inbox i ON i.id = o.message_id WHERE i.text = ? AND o.status = 'failed'",
  );
  const doubted = (text: string) => doubtedQuery.get(text) !== undefined;

  const tgTexts: { chat: number; text: string }[] = [];
  const chat = async (c: number) => {
    const user = 1000 + c;
    for (let r = 0; r < ROUNDS; r++) {
      // Two at once: the second may be delivered into the first one's run.
      const pair = [`slow 20 tg${c}-r${r}-a`, `slow 20 tg${c}-r${r}-b`];
      for (const text of pair) {
        tg.say(user, text);
        tgTexts.push({ chat: user, text });
      }
      await until(`replies in chat ${user}`, () =>
        pair.every((t) => tg.sent.some((s) => s.chatId === user && s.text === `echo: ${t}`) || doubted(t)),
      );
    }
  };

  const hookAcks: { messageId: string; text: string; conversation: string }[] = [];
  const post = async (body: Record<string, string>) => {
    const raw = JSON.stringify(body);
    for (;;) {
      const d = chaos.current();
      if (d) {
        try {
          const res = await fetch(`${d.url}/hooks/chaos`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-ratchet-signature": sign(SECRET, raw) },
            body: raw,
          });
          const json = (await res.json()) as { messageId?: string };
          if (res.status === 202 && json.messageId) return json.messageId;
          assert.ok(res.status >= 500, `webhook answered ${res.status}: ${JSON.stringify(json)}`);
        } catch {
          // the daemon died under us: retry the same id on the next one
        }
      }
      await sleep(20);
    }
  };
  const conversation = async (k: number) => {
    for (let r = 0; r < ROUNDS * 2; r++) {
      const text = `slow 20 hook${k}-m${r}`;
      const messageId = await post({ sender: "svc", conversation: `conv-${k}`, text, id: `h${k}-${r}` });
      hookAcks.push({ messageId, text, conversation: `conv-${k}` });
      await until(`reply to ${text}`, () => deliveries.some((x) => x.key === messageId));
    }
  };

  await Promise.all([
    ...Array.from({ length: CHATS }, (_, c) => chat(c)),
    ...Array.from({ length: HOOK_CONVERSATIONS }, (_, k) => conversation(k)),
  ]);
  const { daemon: d, kills } = await chaos.stop();
  assert.ok(d);
  // Sentinels: each channel sends its owed replies oldest first, so once these are out, any
  // resend of an earlier reply would already have happened.
  tg.say(1000, "sentinel");
  await until("the Telegram sentinel", () => tg.sent.some((s) => s.text === "echo: sentinel"));
  const last = await post({ sender: "svc", conversation: "conv-0", text: "sentinel", id: "sentinel" });
  await until("the webhook sentinel", () => deliveries.some((x) => x.key === last));

  await d.stop();
  watch.close();
  // Replies whose send a kill cut short, by the text of their message.
  const db = new Database(path.join(sb.home, "ratchet.db"), { readonly: true });
  const inDoubt = new Set(
    (
      db
        .prepare(
          "SELECT i.text FROM channel_outbox o JOIN inbox i ON i.id = o.message_id WHERE o.status = 'failed' AND o.last_error LIKE 'in doubt%'",
        )
        .all() as { text: string }[]
    ).map((r) => r.text),
  );
  const otherFailures = db
    .prepare(
      "SELECT id, last_error FROM channel_outbox WHERE status = 'failed' AND last_error NOT LIKE 'in doubt%'",
    )
    .all();
  const open = db.prepare("SELECT id FROM channel_outbox WHERE status IN ('awaiting', 'pending')").all();
  const notDone = db.prepare("SELECT id, status, error FROM inbox WHERE status != 'done'").all();
  const runs = db.prepare("SELECT COUNT(*) AS n FROM inbox").get() as { n: number };
  db.close();
  assert.deepEqual(otherFailures, []);
  assert.deepEqual(open, [], "every reply was settled");
  assert.deepEqual(notDone, [], "every accepted message ran to the end, in doubt or not");
  assert.equal(
    runs.n,
    tgTexts.length + hookAcks.length + 2,
    "one inbox message per accepted message (+2 sentinels)",
  );

  assert.ok(kills >= 3, `only ${kills} kills happened`);
  for (const m of tgTexts) {
    const got = tg.sent.filter((s) => s.text === `echo: ${m.text}`);
    assert.ok(got.length <= 1, `Telegram replies to ${m.text}: ${JSON.stringify(got)}`);
    if (got.length === 0)
      assert.ok(inDoubt.has(m.text), `no reply to ${m.text}, and its send was not in doubt`);
    else assert.equal(got[0]?.chatId, m.chat);
  }
  const tgAnswered = tgTexts.filter((m) => tg.sent.some((s) => s.text === `echo: ${m.text}`)).length;
  assert.equal(tg.sent.length, tgAnswered + 1, "nothing else was sent (no pairing, no failure notes)");
  assert.ok(inDoubt.size <= kills);
  assert.equal(hookAcks.length, HOOK_CONVERSATIONS * ROUNDS * 2);
  let repeats = 0;
  for (const a of hookAcks) {
    const got = deliveries.filter((x) => x.key === a.messageId);
    assert.ok(got.length >= 1, `webhook replies to ${a.text}`);
    repeats += got.length - 1;
    for (const g of got) {
      assert.equal(g.text, `echo: ${a.text}`);
      assert.equal(g.conversation, a.conversation);
    }
  }
  assert.ok(repeats <= kills, "a webhook reply is repeated only after a kill cut its send short");
  process.stderr.write(
    `channels chaos: ${tgTexts.length} Telegram + ${hookAcks.length} webhook messages, ${kills} SIGKILLs, ` +
      `${inDoubt.size} Telegram sends in doubt (not repeated), ${repeats} webhook repeats (same key)\n`,
  );
  await tg.close();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
  await model.close();
});
