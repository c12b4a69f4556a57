// Starts the channels configured under `channels` (loaded by the daemon only when that key exists,
// so plain starts never pay for it): the stores, reply delivery, Telegram polling, and the handlers
// the app mounts for inbound webhooks (POST /hooks/:name) and pairing (/api/pairing).
import { type Context, Hono } from "hono";
import type { ChannelsConfig, RatchetConfig } from "../../runtime/config.js";
import type { SessionStore } from "../../runtime/session-store.js";
import { describeError } from "../../util/errors.js";
import type { ChannelRoutes } from "../app.js";
import { type GatewayEnv, jsonError, readJsonObject, stringField } from "../http-util.js";
import type { InboxStore } from "../inbox.js";
import type { RunManager } from "../run-manager.js";
import { Delivery } from "./delivery.js";
import { type Inbound, intake } from "./intake.js";
import { Outbox } from "./outbox.js";
import { PeerStore } from "./peers.js";
import { startTelegram, type TelegramChannel } from "./telegram.js";
import { webhookHandler, webhookSender } from "./webhooks.js";

/** Default Telegram Bot API base URL. */
export const TELEGRAM_API = "https://api.telegram.org";

export interface ChannelDeps {
  db: string;
  config: () => RatchetConfig;
  manager: RunManager;
  inbox: InboxStore;
  store: SessionStore;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/** Running channels: the app's routes and a stop. */
export interface Channels extends ChannelRoutes {
  close(): Promise<void>;
}

/** Opens the channel stores and starts every configured channel. */
export function startChannels(d: ChannelDeps): Channels {
  const channels = (): ChannelsConfig => d.config().channels ?? {};
  const peers = new PeerStore(d.db);
  const outbox = new Outbox(d.db);
  const delivery = new Delivery({ outbox, inbox: d.inbox, store: d.store, hub: d.manager.hub, log: d.log });
  const take = (m: Inbound) =>
    intake({ manager: d.manager, inbox: d.inbox, peers, outbox, delivery, log: d.log }, m);
  delivery.resume();

  // Config changes are picked up within a second: Telegram (re)starts when its token, API base or
  // poll timeout change, and hooks gain or lose their reply sender. allowFrom, workspace, inbound
  // hooks, reply URLs and secrets are read at each message or send.
  let telegram: TelegramChannel | undefined;
  let telegramKey = "";
  const syncTelegram = async (): Promise<void> => {
    const tg = channels().telegram;
    const envName = tg?.botTokenEnv ?? "TELEGRAM_BOT_TOKEN";
    const token = tg ? d.env[envName] || tg.botToken : undefined;
    const key = tg ? JSON.stringify([token, tg.apiBase ?? TELEGRAM_API, tg.pollTimeoutSec ?? 25]) : "";
    if (key === telegramKey) return;
    telegramKey = key;
    if (telegram) {
      await telegram.close();
      telegram = undefined;
      d.log("telegram: stopped polling (configuration changed)");
    }
    if (!tg) return;
    if (!token) {
      d.log(
        `telegram: not started: set ${envName} in the daemon's environment to the bot token from @BotFather`,
      );
      return;
    }
    telegram = startTelegram({
      token,
      apiBase: tg.apiBase ?? TELEGRAM_API,
      pollTimeoutSec: tg.pollTimeoutSec ?? 25,
      settings: () => channels().telegram ?? {},
      intake: take,
      outbox,
      delivery,
      log: d.log,
    });
    d.log("telegram: polling for messages");
  };
  const replying = new Set<string>();
  const syncHooks = (): void => {
    const hooks = channels().webhooks ?? {};
    for (const [name, hook] of Object.entries(hooks)) {
      if (!hook.replyUrl || replying.has(name)) continue;
      replying.add(name);
      delivery.register(
        `webhook:${name}`,
        webhookSender(name, () => channels().webhooks?.[name], d.env),
      );
    }
    for (const name of [...replying])
      if (!hooks[name]?.replyUrl) {
        replying.delete(name);
        delivery.unregister(`webhook:${name}`);
      }
  };
  let seen = d.config();
  const failed = (err: unknown) =>
    d.log(`channels: applying the configuration failed: ${describeError(err)}`);
  let syncing = syncTelegram().then(syncHooks).catch(failed);
  const watch = setInterval(() => {
    if (d.config() === seen) return;
    seen = d.config();
    syncing = syncing.then(syncTelegram).then(syncHooks).catch(failed);
  }, 1000);
  watch.unref();

  const pairing = new Hono<GatewayEnv>();
  pairing.get("/api/pairing", (c) => c.json({ pairing: peers.pending(), paired: peers.paired() }));
  pairing.post("/api/pairing/revoke", async (c) => {
    const body = await readJsonObject(c);
    const channel = stringField(body, "channel", true) as string;
    const peerId = stringField(body, "peerId", true) as string;
    if (!peers.revoke(channel, peerId))
      throw jsonError(
        404,
        `${channel} sender ${peerId} is not paired (senders in allowFrom are revoked in config)`,
      );
    d.log(`${channel}: pairing revoked for ${peerId}`);
    return c.json({ revoked: { channel, peerId } });
  });
  const answer = (approve: boolean) => (c: Context<GatewayEnv>) => {
    const code = c.req.param("code") ?? "";
    const req = approve ? peers.approve(code) : peers.deny(code);
    if (!req)
      throw jsonError(404, `no open pairing request with code "${code}" (codes expire after an hour)`);
    d.log(`${req.channel}: pairing ${approve ? "approved" : "denied"} for ${req.peerId}`);
    return c.json({ [approve ? "approved" : "denied"]: req });
  };
  pairing.post("/api/pairing/:code/approve", answer(true));
  pairing.post("/api/pairing/:code/deny", answer(false));

  return {
    hook: webhookHandler({ hooks: () => channels().webhooks ?? {}, env: d.env, intake: take, log: d.log }),
    pairing,
    close: async () => {
      clearInterval(watch);
      await syncing;
      await telegram?.close();
      await delivery.close();
      outbox.close();
      peers.close();
    },
  };
}
