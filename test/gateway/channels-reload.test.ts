// Channels added to a running daemon: one started without a `channels` key has no /hooks; once
// config.json gains a webhook channel, the reload starts the channels (no restart) and a signed
// message is accepted, answered, and the reply reaches the hook's replyUrl.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { sign } from "../../src/gateway/channels/webhooks.js";
import type { ScriptedServer } from "../../src/testkit/scripted-server.js";
import type { Sandbox } from "../support/cli.js";
import {
  type DaemonProc,
  daemonSandbox,
  modelConfig,
  startDaemonProc,
  startReactiveModel,
} from "./support.js";

const SECRET = "reload-hook-secret";
let model: ScriptedServer;
let receiver: Server;
const replies: { text: string }[] = [];
let sb: Sandbox;
let d: DaemonProc;

before(async () => {
  model = await startReactiveModel();
  receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      replies.push(JSON.parse(raw));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  sb = daemonSandbox(model);
  sb.env.CRM_SECRET = SECRET;
  d = await startDaemonProc(sb);
});
after(async () => {
  await d.stop();
  await model.close();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});

async function hook(body: unknown) {
  const raw = JSON.stringify(body);
  const res = await fetch(`${d.url}/hooks/crm`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-ratchet-signature": sign(SECRET, raw) },
    body: raw,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${d.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("adding `channels` to config.json starts them in the running daemon", async () => {
  const msg = { sender: "alice", conversation: "t-1", text: "hello after reload", id: "evt-1" };
  const none = await hook(msg);
  assert.equal(none.status, 404);
  assert.match(String((none.json.error as { message: string }).message), /no channels are configured/);

  const replyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/replies`;
  writeFileSync(
    path.join(sb.home, "config.json"),
    JSON.stringify(
      modelConfig(model, {
        channels: { webhooks: { crm: { secretEnv: "CRM_SECRET", allowFrom: ["alice"], replyUrl } } },
      }),
    ),
  );
  const accepted = await until("the hook to be served", async () => {
    const r = await hook(msg);
    return r.status === 404 ? undefined : r;
  });
  assert.equal(accepted.status, 202, JSON.stringify(accepted.json));
  const reply = await until("the reply", async () => replies[0]);
  assert.equal(reply.text, "echo: hello after reload");
  assert.match(d.stderr(), /channels: started \(the config now has `channels`\)/);
});
