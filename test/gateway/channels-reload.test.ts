// Channels added to a running daemon: one started without a `channels` key has no /hooks; once
// config.json gains a webhook channel, the reload starts the channels (no restart) and a signed
// message is accepted, answered, and the reply reaches the hook's replyUrl.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import type { ScriptedServer } from "../../src/testkit/scripted-server.js";
import type { Sandbox } from "../support/cli.js";
import { postHook, type Receiver, startReceiver } from "./hook-receiver.js";
import {
  type DaemonProc,
  daemonSandbox,
  modelConfig,
  startDaemonProc,
  startReactiveModel,
} from "./support.js";

const SECRET = "reload-hook-secret";
let model: ScriptedServer;
let receiver: Receiver;
let sb: Sandbox;
let d: DaemonProc;

before(async () => {
  model = await startReactiveModel();
  receiver = await startReceiver();
  sb = daemonSandbox(model);
  sb.env.CRM_SECRET = SECRET;
  d = await startDaemonProc(sb);
});
after(async () => {
  await d.stop();
  await model.close();
  await receiver.close();
});

const hook = (body: unknown) => postHook(d, SECRET, "crm", body);

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

  writeFileSync(
    path.join(sb.home, "config.json"),
    JSON.stringify(
      modelConfig(model, {
        channels: {
          webhooks: { crm: { secretEnv: "CRM_SECRET", allowFrom: ["alice"], replyUrl: receiver.url } },
        },
      }),
    ),
  );
  const accepted = await until("the hook to be served", async () => {
    const r = await hook(msg);
    return r.status === 404 ? undefined : r;
  });
  assert.equal(accepted.status, 202, JSON.stringify(accepted.json));
  const [reply] = await receiver.waitReceived(1);
  assert.equal(reply.body.text, "echo: hello after reload");
  assert.match(d.stderr(), /channels: started \(the config now has `channels`\)/);
});
