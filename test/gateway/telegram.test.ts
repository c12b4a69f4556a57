// The Telegram channel end to end: a real daemon child polls a loopback fake Bot API and answers
// through the scripted model. Allowlisted senders are answered once in their chat; chats are
// sessions; unknown senders get one pairing code and run nothing until the owner approves it;
// Bot API failures (429 with retry_after, 500) are retried; long replies are split.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import Database from "better-sqlite3";
import { type FakeTelegram, startFakeTelegram } from "../../src/testkit/fake-telegram.js";
import type { ScriptedServer } from "../../src/testkit/scripted-server.js";
import type { Sandbox } from "../support/cli.js";
import { api, type DaemonProc, daemonSandbox, startDaemonProc, startReactiveModel } from "./support.js";

const ALICE = 111;
const BOB = 222;
const STRANGER = 333;

let model: ScriptedServer;
let tg: FakeTelegram;
let sb: Sandbox;
let d: DaemonProc;

before(async () => {
  model = await startReactiveModel();
  tg = await startFakeTelegram();
  sb = daemonSandbox(model, {
    channels: { telegram: { apiBase: tg.apiBase, allowFrom: [ALICE, String(BOB)], pollTimeoutSec: 5 } },
  });
  sb.env.TELEGRAM_BOT_TOKEN = tg.token;
  d = await startDaemonProc(sb);
});
after(async () => {
  await d.stop();
  await tg.close();
  await model.close();
});

/** Says `text` and waits for the next message the bot sends. */
async function exchange(from: number, text: string, opts: { chat?: number } = {}) {
  const n = tg.sent.length;
  tg.say(from, text, opts);
  return (await tg.waitSent(n + 1))[n];
}

/** User texts the model saw in the request that answered `text`. */
function userTextsSeenFor(text: string): string[] {
  const req = model.requests.find((r) => {
    const users = (r.json?.messages ?? []).filter((m: { role: string }) => m.role === "user");
    return users.at(-1)?.content === text;
  });
  assert.ok(req, `no model request answered ${text}`);
  return req.json.messages
    .filter((m: { role: string }) => m.role === "user")
    .map((m: { content: string }) => m.content);
}

test("an allowlisted sender is answered exactly once, in its chat", async () => {
  assert.deepEqual(await exchange(ALICE, "hello there"), {
    chatId: ALICE,
    text: "echo: hello there",
    messageId: 1,
  });
  // The next exchange proves no second copy of the first reply was queued before it.
  const second = await exchange(ALICE, "second");
  assert.equal(second?.text, "echo: second");
  assert.deepEqual(
    tg.sent.map((s) => s.text),
    ["echo: hello there", "echo: second"],
  );
  assert.ok(!d.stderr().includes(tg.token.split(":")[1] as string), "the token never reaches the log");
});

test("each chat is its own session: a group and a private chat keep separate histories", async () => {
  const group = -100500;
  assert.equal((await exchange(BOB, "in the group", { chat: group }))?.chatId, group);
  assert.equal((await exchange(BOB, "in private"))?.chatId, BOB);
  assert.equal((await exchange(ALICE, "alice in the group", { chat: group }))?.chatId, group);
  assert.deepEqual(userTextsSeenFor("in private"), ["in private"]);
  assert.deepEqual(userTextsSeenFor("alice in the group"), ["in the group", "alice in the group"]);
  assert.deepEqual(userTextsSeenFor("second"), ["hello there", "second"]);
});

test("an unknown sender gets one pairing code and runs nothing until the owner approves it", async () => {
  const pairing = await exchange(STRANGER, "let me in");
  assert.equal(pairing?.chatId, STRANGER);
  const code = /pairing code is ([2-9A-Z]{4}-[2-9A-Z]{4})/.exec(pairing?.text ?? "")?.[1];
  assert.ok(code, pairing?.text);
  tg.say(STRANGER, "please?");
  // Updates are handled in order, so once Alice's reply is out, "please?" was handled: no new code.
  await exchange(ALICE, "marker");
  assert.equal(tg.sent.filter((s) => s.chatId === STRANGER).length, 1, "the code is sent once");
  assert.throws(() => userTextsSeenFor("let me in"));
  assert.throws(() => userTextsSeenFor("please?"));

  const list = await api(d, "GET", "/api/pairing");
  assert.equal(list.status, 200);
  const open = list.json.pairing as { code: string; channel: string; peerId: string; label: string }[];
  assert.deepEqual(
    open.map((p) => [p.code, p.channel, p.peerId, p.label]),
    [[code, "telegram", String(STRANGER), `User${STRANGER}`]],
  );
  const unauth = await fetch(`${d.url}/api/pairing/${code}/approve`, { method: "POST" });
  assert.equal(unauth.status, 401, "approving needs the token");
  assert.equal((await api(d, "POST", "/api/pairing/ZZZZ-ZZZZ/approve")).status, 404);
  const ok = await api(d, "POST", `/api/pairing/${code}/approve`);
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  assert.equal((await api(d, "POST", `/api/pairing/${code}/approve`)).status, 404, "single use");

  assert.deepEqual(await exchange(STRANGER, "now?"), {
    chatId: STRANGER,
    text: "echo: now?",
    messageId: tg.sent.length,
  });
  assert.deepEqual(userTextsSeenFor("now?"), ["now?"], "messages before pairing were never stored");

  const paired = (await api(d, "GET", "/api/pairing")).json.paired as { channel: string; peerId: string }[];
  assert.deepEqual(
    paired.map((p) => [p.channel, p.peerId]),
    [["telegram", String(STRANGER)]],
  );
  const revoked = await api(d, "POST", "/api/pairing/revoke", {
    channel: "telegram",
    peerId: String(STRANGER),
  });
  assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
  const fresh = await exchange(STRANGER, "after revoke");
  assert.match(fresh?.text ?? "", /pairing code is/, "a revoked sender must pair again");
  assert.notEqual(/[2-9A-Z]{4}-[2-9A-Z]{4}/.exec(fresh?.text ?? "")?.[0], code, "with a new code");
});

test("Bot API failures are retried: 500s on getUpdates, a 429 on sendMessage honours retry_after", async () => {
  tg.fail("getUpdates", 500, 2);
  tg.fail("sendMessage", 429, 1, 1);
  const reply = await exchange(ALICE, "despite errors");
  assert.equal(reply?.text, "echo: despite errors");
  assert.equal(tg.sent.filter((s) => s.text === "echo: despite errors").length, 1);
  assert.match(d.stderr(), /retrying in 1000 ms/, "the 429's retry_after was used");
});

test("a reply longer than Telegram's limit goes out in parts, in order", async () => {
  const text = "y".repeat(5000);
  const n = tg.sent.length;
  tg.say(ALICE, text);
  const sent = await tg.waitSent(n + 2);
  const parts = sent.slice(n);
  assert.ok(parts.every((p) => p.chatId === ALICE && p.text.length <= 4096));
  assert.equal(parts.map((p) => p.text).join(""), `echo: ${text}`);
});

test("afterwards every owed reply is settled as sent, none left in flight", async () => {
  const db = new Database(path.join(sb.home, "ratchet.db"), { readonly: true });
  try {
    const unsettled = () =>
      db
        .prepare(
          "SELECT id, status, in_flight, last_error FROM channel_outbox WHERE status != 'sent' OR in_flight != 0",
        )
        .all();
    // The fake records a message before the daemon reads its answer: give the last write a moment.
    for (let i = 0; i < 250 && unsettled().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(unsettled(), []);
    const n = (db.prepare("SELECT COUNT(*) AS n FROM channel_outbox").get() as { n: number }).n;
    assert.equal(n, tg.sent.length - 1, "one row per reply (the split reply is one row)");
  } finally {
    db.close();
  }
});

test("after a restart polling resumes from the stored offset: old updates are not fetched again", async () => {
  const lastUpdate = tg.say(ALICE, "before restart");
  await tg.waitSent(tg.sent.length + 1);
  await d.stop();
  const pollsBefore = tg.polls.length;
  d = await startDaemonProc(sb);
  for (let i = 0; i < 500 && tg.polls.length === pollsBefore; i++)
    await new Promise((r) => setTimeout(r, 20));
  assert.equal(tg.polls[pollsBefore], lastUpdate + 1, "the first poll of the new daemon");
  assert.equal((await exchange(ALICE, "after restart"))?.text, "echo: after restart");
  assert.equal(tg.sent.filter((s) => s.text === "echo: before restart").length, 1);
});
