// Channel pieces without a daemon: pairing codes (injected clock), the outbox's state machine,
// Telegram's text splitting, and webhook signatures.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { Delivery, SendError, type Sender } from "../../src/gateway/channels/delivery.js";
import { Outbox } from "../../src/gateway/channels/outbox.js";
import { MAX_PENDING, PAIRING_TTL_MS, PeerStore } from "../../src/gateway/channels/peers.js";
import { splitText } from "../../src/gateway/channels/telegram.js";
import { sign, verify } from "../../src/gateway/channels/webhooks.js";
import { validateConfig } from "../../src/runtime/config.js";

const dbFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), "ratchet-chan-")), "ratchet.db");

test("pairing: one code per sender until it expires, approved once, case and dashes ignored", () => {
  let now = 1_000_000;
  const peers = new PeerStore(dbFile(), () => now);
  const first = peers.request("telegram", "42", "@alice");
  assert.equal(first.status, "pending");
  assert.ok(first.status === "pending" && first.fresh && /^[2-9A-Z]{4}-[2-9A-Z]{4}$/.test(first.code));
  const again = peers.request("telegram", "42");
  assert.deepEqual(again, {
    status: "pending",
    code: first.status === "pending" ? first.code : "",
    fresh: false,
  });
  assert.equal(peers.isAllowed("telegram", "42"), false);
  assert.deepEqual(
    peers.pending().map((p) => [p.channel, p.peerId, p.label]),
    [["telegram", "42", "@alice"]],
  );
  const code = first.status === "pending" ? first.code : "";
  assert.equal(peers.approve("nope"), undefined);
  assert.equal(peers.approve(code.toLowerCase().replace("-", " "))?.peerId, "42");
  assert.equal(peers.isAllowed("telegram", "42"), true);
  assert.equal(peers.isAllowed("webhook:x", "42"), false, "per channel");
  assert.equal(peers.approve(code), undefined, "single use");
  assert.deepEqual(peers.request("telegram", "42"), { status: "allowed" });

  const b = peers.request("telegram", "7");
  now += PAIRING_TTL_MS + 1;
  assert.equal(peers.approve(b.status === "pending" ? b.code : ""), undefined, "expired");
  assert.deepEqual(peers.pending(), []);
  const renewed = peers.request("telegram", "7");
  assert.ok(renewed.status === "pending" && renewed.fresh, "an expired code is replaced and told again");
  assert.equal(peers.deny(renewed.status === "pending" ? renewed.code : "")?.peerId, "7");
  assert.equal(peers.isAllowed("telegram", "7"), false);
  peers.close();
});

test("pairing: open requests per channel are bounded", () => {
  const peers = new PeerStore(dbFile());
  for (let i = 0; i < MAX_PENDING; i++) assert.equal(peers.request("webhook:h", `s${i}`).status, "pending");
  assert.equal(peers.request("webhook:h", "one-more").status, "full");
  assert.equal(peers.request("telegram", "other-channel").status, "pending");
  peers.close();
});

test("outbox: awaiting → pending → sent, idempotent inserts, parts and attempts kept", () => {
  const file = dbFile();
  const box = new Outbox(file);
  box.expect("msg_1", "telegram", { chatId: 5 });
  box.expect("msg_1", "telegram", { chatId: 999 });
  assert.deepEqual(box.get("msg_1")?.target, { chatId: 5 }, "a redelivered message owes nothing new");
  assert.deepEqual(
    box.awaiting().map((r) => r.id),
    ["msg_1"],
  );
  assert.deepEqual(box.pending("telegram"), []);
  box.ready("msg_1", "hello");
  box.ready("msg_1", "changed");
  assert.equal(box.get("msg_1")?.text, "hello", "the text is fixed once");
  box.queue("pair:x", "telegram", { chatId: 6 }, "code");
  assert.deepEqual(
    box.pending("telegram").map((r) => r.id),
    ["msg_1", "pair:x"],
  );
  box.progress("msg_1", 1);
  assert.equal(box.attempt("msg_1", "boom"), 1);
  box.settle("msg_1", "sent");
  box.setState("telegram.offset.1", "77");
  box.close();
  const reopened = new Outbox(file);
  const row = reopened.get("msg_1");
  assert.equal(row?.status, "sent");
  assert.equal(row?.partsSent, 1);
  assert.equal(row?.lastError, "boom");
  assert.equal(reopened.state("telegram.offset.1"), "77");
  assert.deepEqual(
    reopened.pending("telegram").map((r) => r.id),
    ["pair:x"],
  );
  reopened.close();
});

test("splitText keeps parts within the limit, prefers line breaks, never splits a surrogate pair", () => {
  assert.deepEqual(splitText("  short  ", 10), ["short"]);
  assert.deepEqual(splitText("", 10), []);
  assert.deepEqual(splitText("aaaa\nbbbbbbb", 8), ["aaaa", "bbbbbbb"]);
  assert.deepEqual(splitText("abcdefghij", 4), ["abcd", "efgh", "ij"]);
  const emoji = "😀".repeat(5); // 10 UTF-16 units
  const parts = splitText(`a${emoji}`, 4);
  assert.equal(parts.join(""), `a${emoji}`);
  for (const p of parts) {
    assert.ok(p.length <= 4);
    assert.ok(!/[\ud800-\udbff]$/.test(p), "no lone high surrogate at a cut");
  }
  const long = "x".repeat(10_000);
  assert.deepEqual(
    splitText(long, 4096).map((p) => p.length),
    [4096, 4096, 1808],
  );
});

test("webhook signatures: HMAC-SHA256 of the raw body; missing, wrong or truncated ones fail", () => {
  const body = Buffer.from('{"sender":"a","text":"hi"}');
  const good = sign("s3cret", body);
  assert.match(good, /^sha256=[0-9a-f]{64}$/);
  assert.equal(verify("s3cret", body, good), true);
  assert.equal(verify("s3cret", body, undefined), false);
  assert.equal(verify("other", body, good), false);
  assert.equal(verify("s3cret", Buffer.from(`${body} `), good), false);
  assert.equal(verify("s3cret", body, good.slice(0, -1)), false);
  assert.equal(verify("s3cret", body, good.replace("sha256=", "")), false);
});

test("config: channels are validated like the rest (unknown keys, env names, hook names, URLs)", () => {
  const ok = validateConfig(
    {
      channels: {
        telegram: { allowFrom: [1, "2"], pollTimeoutSec: 10, apiBase: "http://127.0.0.1:9" },
        webhooks: { "crm-1": { secretEnv: "CRM_SECRET", replyUrl: "https://x.example/r", allowFrom: ["a"] } },
      },
    },
    "config.json",
  );
  assert.equal(ok.channels?.webhooks?.["crm-1"]?.secretEnv, "CRM_SECRET");
  const bad = (channels: unknown) =>
    assert.throws(() => validateConfig({ channels }, "config.json"), /config.json/);
  bad({ telegram: { token: "x" } });
  bad({ telegram: { botTokenEnv: "not an env name" } });
  bad({ telegram: { apiBase: "ftp://x" } });
  bad({ telegram: { pollTimeoutSec: 0 } }); // 0 would poll in a tight loop
  bad({ telegram: { allowFrom: ["@alice"] } }); // ids only
  bad({ webhooks: { "bad name": { secretEnv: "S" } } });
  bad({ webhooks: { h: {} } });
  bad({ webhooks: { h: { secretEnv: "S", replyUrl: "nope" } } });
  bad({ slack: {} });
});

/** A Delivery over a fresh outbox; only fixed-text rows are used, so inbox, store and hub are unused. */
function delivery(file: string, log: string[] = []) {
  const outbox = new Outbox(file);
  const unused = {} as never;
  const d = new Delivery({ outbox, inbox: unused, store: unused, hub: unused, log: (l) => log.push(l) });
  return { outbox, d, log };
}

/** Sends succeed except where `outcomes` (one per call, in order) holds an error. */
function recordingSender(opts: { resendInDoubt: boolean; outcomes?: (SendError | undefined)[] }) {
  const sent: string[] = [];
  let done: () => void = () => {};
  const sender: Sender = {
    resendInDoubt: opts.resendInDoubt,
    parts: (t) => (t ? [t] : []),
    send: async (row) => {
      const err = opts.outcomes?.shift();
      if (err) throw err;
      sent.push(row.id);
      done();
    },
  };
  const waitSent = (n: number) =>
    new Promise<void>((resolve) => {
      done = () => sent.length >= n && resolve();
      done();
    });
  return { sender, sent, waitSent };
}

test("delivery after a crash: a send in doubt is repeated only where the receiver can drop repeats", async () => {
  for (const resendInDoubt of [false, true]) {
    const file = dbFile();
    const first = new Outbox(file);
    first.queue("a", "ch", {}, "in doubt");
    first.queue("b", "ch", {}, "never tried");
    first.inFlight("a", true); // the daemon died here, mid-send of "a"
    first.close();
    const { outbox, d, log } = delivery(file);
    const s = recordingSender({ resendInDoubt });
    d.register("ch", s.sender);
    await s.waitSent(resendInDoubt ? 2 : 1);
    await d.close();
    assert.deepEqual(s.sent, resendInDoubt ? ["a", "b"] : ["b"]);
    assert.equal(outbox.get("a")?.status, resendInDoubt ? "sent" : "failed");
    if (!resendInDoubt) {
      assert.match(outbox.get("a")?.lastError ?? "", /^in doubt/);
      assert.match(log.join("\n"), /in doubt/);
    }
    outbox.close();
  }
});

test("delivery: retryable failures back off and retry in order; permanent ones give up", async () => {
  const { outbox, d } = delivery(dbFile());
  const s = recordingSender({
    resendInDoubt: false,
    outcomes: [new SendError("busy", 1), undefined, new SendError("no such chat", undefined, true)],
  });
  outbox.queue("x", "ch", {}, "first");
  outbox.queue("y", "ch", {}, "second");
  outbox.queue("empty", "ch", {}, "");
  d.register("ch", s.sender);
  // x: busy (retried after 1 ms) then sent; y: refused for good; empty: nothing to send.
  await s.waitSent(1);
  for (let i = 0; i < 200 && outbox.get("empty")?.status !== "sent"; i++)
    await new Promise((r) => setTimeout(r, 5));
  await d.close();
  assert.deepEqual(s.sent, ["x"]);
  assert.equal(outbox.get("x")?.attempts, 1);
  assert.equal(outbox.get("y")?.status, "failed");
  assert.equal(outbox.get("y")?.lastError, "no such chat");
  assert.equal(outbox.get("empty")?.status, "sent");
  outbox.close();
});

test("delivery: a lane backing off keeps its order and does not hold up other lanes", async () => {
  const { outbox, d } = delivery(dbFile());
  const s = recordingSender({ resendInDoubt: false, outcomes: [new SendError("slow down", 30)] });
  const sender: Sender = { ...s.sender, lane: (row) => String(row.target.chat) };
  outbox.queue("a1", "ch", { chat: "A" }, "one");
  outbox.queue("a2", "ch", { chat: "A" }, "two");
  outbox.queue("b1", "ch", { chat: "B" }, "three");
  const keepAlive = setInterval(() => {}, 1000); // the retry timer is unref'd, as in the daemon
  d.register("ch", sender);
  await s.waitSent(3);
  clearInterval(keepAlive);
  await d.close();
  assert.deepEqual(s.sent, ["b1", "a1", "a2"]);
  outbox.close();
});
