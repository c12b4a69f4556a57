// Generic webhooks. In: POST /hooks/<name> with `{ sender, conversation?, text, id? }`, signed by
// the hook's shared secret (header `X-Ratchet-Signature: sha256=<hex HMAC-SHA256 of the raw
// body>`); no bearer token, since the calling service cannot hold ours. 202 once the message is in
// the inbox; an `id` makes retries safe (same id, same message). Out: replies are POSTed to the
// hook's replyUrl, signed the same way, with `Idempotency-Key` so the receiver can drop repeats.
// Every refusal of a request is the same bare 401: no hint about which check failed.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import type { WebhookConfig } from "../../runtime/config.js";
import { describeError } from "../../util/errors.js";
import { type GatewayEnv, jsonError } from "../http-util.js";
import { SendError, type Sender } from "./delivery.js";
import type { Inbound, Intake } from "./intake.js";
import type { OutboxRow } from "./outbox.js";
import { warmFetch } from "./warm.js";

/** The header carrying `sha256=<hex>`. */
export const SIGNATURE_HEADER = "x-ratchet-signature";

/** `sha256=<hex>` of `body` under `secret`. */
export function sign(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Constant-time check of a signature header against the body. */
export function verify(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const want = Buffer.from(sign(secret, body));
  const got = Buffer.from(header.trim());
  return got.length === want.length && timingSafeEqual(got, want);
}

export interface WebhookDeps {
  hooks: () => Record<string, WebhookConfig>;
  env: NodeJS.ProcessEnv;
  intake: (m: Inbound) => Intake;
  log: (line: string) => void;
}

const refused = () => jsonError(401, "unauthorized");

/** The handler of POST /hooks/:name. */
export function webhookHandler(d: WebhookDeps): (c: Context<GatewayEnv>) => Promise<Response> {
  return async (c) => {
    const name = c.req.param("name") ?? "";
    const shown = JSON.stringify(name.slice(0, 64)); // caller-chosen: quoted in the log, never raw
    const cfg = Object.hasOwn(d.hooks(), name) ? d.hooks()[name] : undefined;
    const raw = Buffer.from(await c.req.arrayBuffer());
    if (!cfg) {
      d.log(`webhook ${shown}: refused a request: no such hook in channels.webhooks`);
      throw refused();
    }
    const secret = d.env[cfg.secretEnv];
    if (!secret) {
      d.log(`webhook ${shown}: refused a request: set ${cfg.secretEnv} in the daemon's environment`);
      throw refused();
    }
    if (!verify(secret, raw, c.req.header(SIGNATURE_HEADER))) {
      d.log(`webhook ${shown}: refused a request with a missing or wrong signature`);
      throw refused();
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
    } catch {
      throw jsonError(400, "the body is not JSON; send {sender, text, conversation?, id?}");
    }
    const str = (k: string, required: boolean): string | undefined => {
      const v = body?.[k];
      if (v === undefined && !required) return undefined;
      if (typeof v !== "string" || v === "" || v.length > (k === "text" ? 100_000 : 200))
        throw jsonError(400, `\`${k}\` must be a non-empty string${required ? " (required)" : ""}`);
      return v;
    };
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw jsonError(400, "the body must be a JSON object: {sender, text, conversation?, id?}");
    const sender = str("sender", true) as string;
    const text = str("text", true) as string;
    const conversation = str("conversation", false) ?? sender;
    const id = str("id", false);
    const r = d.intake({
      channel: `webhook:${name}`,
      peerId: sender,
      conversation,
      text,
      ...(id ? { key: `webhook:${name}:${id}` } : {}),
      target: { hook: name, conversation, sender },
      ...(cfg.workspace ? { workspace: cfg.workspace } : {}),
      allowFrom: cfg.allowFrom ?? [],
      replies: cfg.replyUrl !== undefined,
    });
    if (r.status === "accepted")
      return c.json(
        { status: "accepted", messageId: r.messageId, sessionId: r.sessionId, duplicate: r.duplicate },
        202,
      );
    if (r.status === "pairing")
      return c.json(
        r.code
          ? {
              status: "pairing_required",
              code: r.code,
              message: `ask the owner to approve pairing code ${r.code}`,
            }
          : { status: "pairing_required", message: "too many open pairing requests; try again later" },
        403,
      );
    throw jsonError(500, "the agent cannot take messages right now (see the daemon's log)", r.reason);
  };
}

/** The sender of one hook's replies: a signed JSON POST to replyUrl (URL and secret read per send). */
export function webhookSender(
  name: string,
  hook: () => WebhookConfig | undefined,
  env: NodeJS.ProcessEnv,
): Sender {
  return {
    resendInDoubt: true,
    prepare: warmFetch,
    lane: (row) => String(row.target.conversation),
    parts: (text) => (text.trim() === "" ? [] : [text]),
    send: async (row: OutboxRow, part: string, _index: number, signal: AbortSignal) => {
      const cfg = hook();
      const url = cfg?.replyUrl;
      const key = cfg ? env[cfg.secretEnv] : undefined;
      if (!url) throw new SendError(`webhook "${name}" has no replyUrl any more`, 30_000);
      if (!key) throw new SendError(`set ${cfg?.secretEnv} to the secret of webhook "${name}"`, 30_000);
      const body = JSON.stringify({
        id: row.id,
        ...(row.messageId ? { inReplyTo: row.messageId } : {}),
        hook: name,
        conversation: row.target.conversation,
        sender: row.target.sender,
        text: part,
      });
      let res: Response;
      try {
        res = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "idempotency-key": row.id,
            [SIGNATURE_HEADER]: sign(key, body),
          },
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]),
        });
        await res.arrayBuffer().catch(() => undefined);
      } catch (err) {
        throw new SendError(`cannot reach the reply URL: ${describeError(err)}`);
      }
      if (res.ok) return;
      const retryAfter = Number(res.headers.get("retry-after"));
      const transient = res.status === 408 || res.status === 429 || res.status >= 500;
      throw new SendError(
        `the reply URL answered ${res.status}`,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
        !transient,
      );
    },
  };
}
