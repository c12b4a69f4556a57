// Generic webhooks end to end: POST /hooks/<name> needs a valid HMAC signature (not the token),
// a repeated id is the same message, unknown senders get a pairing code, and replies reach the
// hook's replyUrl once, signed, with Idempotency-Key (retried through a receiver's 500).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { sign } from "../../src/gateway/channels/webhooks.js";
import type { ScriptedServer } from "../../src/testkit/scripted-server.js";
import type { Sandbox } from "../support/cli.js";
import { postHook, type Receiver, startReceiver } from "./hook-receiver.js";
import {
  api,
  type DaemonProc,
  daemonSandbox,
  modelConfig,
  startDaemonProc,
  startReactiveModel,
} from "./support.js";

const SECRET = "hook-secret-for-tests";

let model: ScriptedServer;
let receiver: Receiver;
let sb: Sandbox;
let d: DaemonProc;

before(async () => {
  model = await startReactiveModel();
  receiver = await startReceiver();
  sb = daemonSandbox(model, {
    channels: {
      webhooks: { crm: { secretEnv: "CRM_SECRET", allowFrom: ["alice"], replyUrl: receiver.url } },
    },
  });
  sb.env.CRM_SECRET = SECRET;
  d = await startDaemonProc(sb);
});
after(async () => {
  await d.stop();
  await model.close();
  await receiver.close();
});

const hook = (name: string, body: unknown, signature?: string | null) =>
  postHook(d, SECRET, name, body, signature);
const waitReceived = (n: number) => receiver.waitReceived(n);

test("missing, wrong and foreign signatures, and unknown hooks, are the same bare 401", async () => {
  const body = { sender: "alice", text: "hi" };
  const answers = [
    await hook("crm", body, null),
    await hook("crm", body, "sha256=00"),
    await hook("crm", body, sign("another-secret", JSON.stringify(body))),
    await hook("nope", body),
  ];
  for (const a of answers) {
    assert.equal(a.status, 401);
    assert.deepEqual(a.json, {
      error: { message: "unauthorized", type: "unauthorized", code: "unauthorized" },
    });
  }
  // A bearer token is no substitute for the signature.
  const withToken = await api(d, "POST", "/hooks/crm", body);
  assert.equal(withToken.status, 401);
  assert.ok(!d.stderr().includes(SECRET), "the secret never reaches the log");
});

test("a signed message is accepted (202), a repeat of its id is the same message, the reply goes out once", async () => {
  const first = await hook("crm", {
    sender: "alice",
    conversation: "ticket-1",
    text: "hello hook",
    id: "evt-1",
  });
  assert.equal(first.status, 202, JSON.stringify(first.json));
  assert.equal(first.json.duplicate, false);
  const again = await hook("crm", {
    sender: "alice",
    conversation: "ticket-1",
    text: "hello hook",
    id: "evt-1",
  });
  assert.equal(again.status, 202);
  assert.equal(again.json.duplicate, true);
  assert.equal(again.json.messageId, first.json.messageId);

  const [reply] = await waitReceived(1);
  assert.ok(reply);
  assert.equal(reply.body.text, "echo: hello hook");
  assert.equal(reply.body.inReplyTo, first.json.messageId);
  assert.equal(reply.body.conversation, "ticket-1");
  assert.equal(reply.headers["idempotency-key"], first.json.messageId);
  assert.equal(reply.headers["x-ratchet-signature"], sign(SECRET, reply.raw), "replies are signed");

  // Same conversation, same session; the receiver fails once and the reply is retried.
  receiver.failNext(1);
  const second = await hook("crm", {
    sender: "alice",
    conversation: "ticket-1",
    text: "follow-up",
    id: "evt-2",
  });
  assert.equal(second.json.sessionId, first.json.sessionId);
  const all = await waitReceived(2);
  assert.deepEqual(
    all.map((r) => r.body.text),
    ["echo: hello hook", "echo: follow-up"],
  );
  const other = await hook("crm", {
    sender: "alice",
    conversation: "ticket-2",
    text: "elsewhere",
    id: "evt-3",
  });
  assert.notEqual(other.json.sessionId, first.json.sessionId, "another conversation, another session");
  await waitReceived(3);
});

test("an unknown sender gets a pairing code (403) and its reply URL is told once; approval lets it in", async () => {
  const before = receiver.received.length;
  const r = await hook("crm", { sender: "mallory", text: "let me in", id: "m-1" });
  assert.equal(r.status, 403);
  assert.equal(r.json.status, "pairing_required");
  const code = r.json.code as string;
  assert.match(code, /^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
  const r2 = await hook("crm", { sender: "mallory", text: "still me", id: "m-2" });
  assert.equal(r2.json.code, code, "same code while it is open");
  await hook("crm", { sender: "alice", text: "marker", id: "evt-4" });
  const got = await waitReceived(before + 2);
  const mine = got.slice(before);
  assert.deepEqual(
    mine.map((m) => m.body.sender),
    ["mallory", "alice"],
    "one pairing reply, then alice's answer",
  );
  assert.match(mine[0]?.body.text ?? "", new RegExp(code));

  assert.equal((await api(d, "POST", `/api/pairing/${code}/approve`)).status, 200);
  const ok = await hook("crm", { sender: "mallory", text: "now?", id: "m-3" });
  assert.equal(ok.status, 202);
  const after = await waitReceived(before + 3);
  assert.equal(after[before + 2]?.body.text, "echo: now?");
});

test("caller-chosen names cannot forge log lines", async () => {
  await hook("crm%0AFAKE-LINE-1", { sender: "x", text: "t" });
  await hook("crm", { sender: "eve\nFAKE-LINE-2", text: "t" });
  assert.ok(!/\nFAKE-LINE-/.test(d.stderr()), d.stderr());
  assert.match(d.stderr(), /pairing requested by eve FAKE-LINE-2/);
});

test("bad bodies are 400s that say what to send", async () => {
  const notJson = await fetch(`${d.url}/hooks/crm`, {
    method: "POST",
    headers: { "x-ratchet-signature": sign(SECRET, "nope") },
    body: "nope",
  });
  assert.equal(notJson.status, 400);
  const noText = await hook("crm", { sender: "alice" });
  assert.equal(noText.status, 400);
  assert.match(JSON.stringify(noText.json), /text/);
});

test("config reload: a new allowFrom applies to the next message, a new replyUrl to the next reply", async () => {
  const other = await startReceiver();
  const second = other.received;
  const replyUrl = other.url;
  writeFileSync(
    path.join(sb.home, "config.json"),
    JSON.stringify(
      modelConfig(model, {
        channels: { webhooks: { crm: { secretEnv: "CRM_SECRET", allowFrom: ["alice", "carol"], replyUrl } } },
      }),
    ),
  );
  // The daemon notices the file within moments; until then carol is still a stranger.
  let r = await hook("crm", { sender: "carol", text: "hi from carol", id: "c-1" });
  for (let i = 0; i < 200 && r.status !== 202; i++) {
    await new Promise((res) => setTimeout(res, 50));
    r = await hook("crm", { sender: "carol", text: "hi from carol", id: "c-1" });
  }
  assert.equal(r.status, 202, JSON.stringify(r.json));
  for (let i = 0; i < 400 && !second.some((x) => x.body.inReplyTo === r.json.messageId); i++)
    await new Promise((res) => setTimeout(res, 25));
  const got = second.find((x) => x.body.inReplyTo === r.json.messageId);
  assert.equal(got?.body.text, "echo: hi from carol");
  assert.equal(got?.headers["x-ratchet-signature"], sign(SECRET, got?.raw ?? ""));
  await other.close();
});
