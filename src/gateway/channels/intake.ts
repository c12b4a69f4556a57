// What every channel does with one inbound message: an allowed sender's text is stored in the inbox
// (with the channel's idempotency key, so a redelivered message is the same message) in the
// session of its conversation, and its reply is owed in the outbox before the caller acknowledges
// the message upstream. An unknown sender is not stored or run: it gets a pairing code, once.
import { RatchetError } from "../../util/errors.js";
import type { InboxStore } from "../inbox.js";
import type { RunManager } from "../run-manager.js";
import type { Delivery } from "./delivery.js";
import type { Outbox } from "./outbox.js";
import type { PeerStore } from "./peers.js";

export interface IntakeDeps {
  manager: RunManager;
  inbox: InboxStore;
  peers: PeerStore;
  outbox: Outbox;
  delivery: Delivery;
  log: (line: string) => void;
}

/** One inbound message as a channel hands it over. */
export interface Inbound {
  /** "telegram" or "webhook:<name>". */
  channel: string;
  /** The sender, as the channel names it. */
  peerId: string;
  /** Shown to the owner with a pairing request (e.g. "@alice"). */
  label?: string;
  /** The conversation within the channel: one session each. */
  conversation: string;
  text: string;
  /** The channel's own id for the message: repeats of it are dropped. */
  key?: string;
  /** Where replies go (channel-specific). */
  target: Record<string, unknown>;
  workspace?: string;
  /** The channel's configured allowlist. */
  allowFrom: readonly (string | number)[];
  /** Whether the channel can send replies (a webhook without replyUrl cannot). */
  replies: boolean;
}

/** What became of it. */
export type Intake =
  | { status: "accepted"; messageId: string; sessionId: string; duplicate: boolean }
  | { status: "pairing"; code?: string }
  | { status: "refused"; reason: string };

/** Stores (or refuses) one inbound message; synchronous, durable when it returns. */
export function intake(d: IntakeDeps, raw: Inbound): Intake {
  // Sender-chosen names reach the log and the owner's pairing list: no control characters.
  const m = { ...raw, peerId: printable(raw.peerId), ...(raw.label ? { label: printable(raw.label) } : {}) };
  const allowed = m.allowFrom.some((a) => String(a) === m.peerId) || d.peers.isAllowed(m.channel, m.peerId);
  if (!allowed) {
    const p = d.peers.request(m.channel, m.peerId, m.label);
    if (p.status === "pending") {
      if (p.fresh) {
        d.log(`${m.channel}: pairing requested by ${m.peerId}${m.label ? ` (${m.label})` : ""}`);
        if (m.replies) {
          const id = `pair:${m.channel}:${m.peerId}:${p.code}`;
          d.outbox.queue(id, m.channel, m.target, pairingText(p.code));
          d.delivery.track(id);
        }
      }
      return { status: "pairing", code: p.code };
    }
    if (p.status === "full") return { status: "pairing" };
  }
  const convKey = `channel:${m.channel}:${m.conversation}`;
  const sessionId = d.inbox.sessionForKey(convKey);
  try {
    const { message, duplicate } = d.manager.submit({
      text: m.text,
      ...(sessionId ? { sessionId } : {}),
      ...(m.workspace ? { workspace: m.workspace } : {}),
      ...(m.key ? { idempotencyKey: m.key } : {}),
    });
    if (!sessionId) d.inbox.bindKey(convKey, message.sessionId);
    if (m.replies) {
      d.outbox.expect(message.id, m.channel, m.target);
      d.delivery.track(message.id);
    }
    return { status: "accepted", messageId: message.id, sessionId: message.sessionId, duplicate };
  } catch (err) {
    if (!(err instanceof RatchetError) || err.category !== "user") throw err;
    // Not the sender's fault (no model configured, workspace gone): the owner reads why in the log.
    d.log(`${m.channel}: could not take a message from ${m.peerId}: ${err.message}`);
    if (m.replies && m.key) {
      const id = `refused:${m.key}`;
      d.outbox.queue(
        id,
        m.channel,
        m.target,
        "This agent cannot take messages right now; its owner can see why in the daemon's log.",
      );
      d.delivery.track(id);
    }
    return { status: "refused", reason: err.code };
  }
}

/** `s` without control characters (a newline could fake a log line), at most 200 characters. */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ").slice(0, 200);
}

/** The one-time reply to an unknown sender. */
export function pairingText(code: string): string {
  return (
    `This agent only answers people its owner has approved. Your pairing code is ${code} ` +
    `(valid for one hour). Ask the owner to run \`ratchet pair approve ${code}\`, then send your message again.`
  );
}
