// Delivery of what the outbox owes. When an inbox message a channel accepted is done or failed, its
// reply text is read from the session log (the source of truth, as for GET /api/messages) and fixed
// in the outbox; each channel then sends its pending rows one at a time, oldest first, marking each
// part sent as soon as the channel accepted it. Failures back off and retry (a 429's retry_after is
// honoured); a permanent refusal or too many attempts marks the row failed, with the reason kept.
import type { SessionStore } from "../../runtime/session-store.js";
import { describeError } from "../../util/errors.js";
import type { EventHub } from "../events.js";
import type { InboxMessage, InboxStore } from "../inbox.js";
import { replyTo } from "../progress.js";
import type { Outbox, OutboxRow } from "./outbox.js";

/**
 * Attempts before a reply is given up (marked failed). With the backoff capped at a minute, that
 * rides out about 25 minutes of the channel being down.
 */
export const MAX_ATTEMPTS = 30;

/** A send that did not go through: retried unless permanent, after retryAfterMs when given. */
export class SendError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    readonly permanent = false,
  ) {
    super(message);
  }
}

/** How one channel sends. */
export interface Sender {
  /**
   * Whether a send cut short by a crash may be repeated: true when the receiver can drop repeats
   * (an idempotency key); false gives at most once for that send (the row is marked failed).
   */
  resendInDoubt: boolean;
  /** Replies in one lane keep their order; lanes do not wait for each other (default: one lane). */
  lane?(row: OutboxRow): string;
  /** Called once before the first send, outside any in-flight window (e.g. to load the HTTP client). */
  prepare?(): Promise<void>;
  /** The text cut into parts the channel accepts (empty: nothing to send). */
  parts(text: string): string[];
  /** Sends part `index` of `row`; throws SendError (or anything, taken as retryable). */
  send(row: OutboxRow, part: string, index: number, signal: AbortSignal): Promise<void>;
}

export interface DeliveryDeps {
  outbox: Outbox;
  inbox: InboxStore;
  store: SessionStore;
  hub: EventHub;
  log: (line: string) => void;
}

/** Watches accepted messages and sends their replies. */
export class Delivery {
  private senders = new Map<string, Sender>();
  private registered = new Set<string>();
  /** Sessions with awaited messages → (their ids, the hub unsubscribe). */
  private watched = new Map<string, { ids: Set<string>; off: () => void }>();
  private flushing = new Map<string, Promise<void>>();
  private again = new Set<string>();
  private timers = new Map<string, NodeJS.Timeout>();
  private abort = new AbortController();
  private closed = false;

  constructor(private d: DeliveryDeps) {}

  /** Registers the sender of `channel` and sends what it already owes. */
  register(channel: string, sender: Sender): void {
    this.senders.set(channel, sender);
    // Rows in flight are in doubt only at the first registration: a later one (a configuration
    // change) may find a send of this process still going.
    if (!this.registered.has(channel)) {
      this.registered.add(channel);
      this.settleInDoubt(channel, sender);
    }
    this.flush(channel);
  }

  /** Rows a crash left in flight: cleared for resending, or failed where a repeat would show. */
  private settleInDoubt(channel: string, sender: Sender): void {
    for (const row of this.d.outbox.pending(channel)) {
      if (!row.inFlight) continue;
      if (sender.resendInDoubt) {
        this.d.outbox.inFlight(row.id, false);
        continue;
      }
      const note = `in doubt: the daemon stopped while sending part ${row.partsSent + 1}; not resent, so it is never received twice`;
      this.d.outbox.settle(row.id, "failed", note);
      this.d.log(`${channel}: reply ${row.id} ${note}`);
    }
  }

  /** Stops sending on `channel` (its rows wait for a sender). */
  unregister(channel: string): void {
    this.senders.delete(channel);
  }

  /** Settles every awaited row whose message finished while the daemon was down; watches the rest. */
  resume(): void {
    for (const row of this.d.outbox.awaiting()) this.check(row);
  }

  /** Call after owing a reply (or queueing a text): sends it now or once its message finishes. */
  track(id: string): void {
    const row = this.d.outbox.get(id);
    if (row?.status === "awaiting") this.check(row);
    else if (row?.status === "pending") this.flush(row.channel);
  }

  /** Stops sending; a send in flight gets `graceMs` to finish (else its row is resent next start). */
  async close(graceMs = 2000): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    for (const w of this.watched.values()) w.off();
    this.watched.clear();
    const all = Promise.allSettled([...this.flushing.values()]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    this.abort.abort();
    await all;
  }

  private check(row: OutboxRow): void {
    const m = row.messageId ? this.d.inbox.get(row.messageId) : undefined;
    if (!m) {
      this.d.outbox.settle(row.id, "failed", "its inbox message is gone");
      return;
    }
    if (m.status === "done" || m.status === "failed") {
      this.d.outbox.ready(row.id, this.replyText(m));
      this.unwatch(m.sessionId, m.id);
      this.flush(row.channel);
      return;
    }
    this.watch(m.sessionId, m.id);
  }

  private watch(sessionId: string, messageId: string): void {
    if (this.closed) return;
    const w = this.watched.get(sessionId);
    if (w) {
      w.ids.add(messageId);
      return;
    }
    const off = this.d.hub.subscribe(sessionId, (ev) => {
      if (ev.type !== "message" || (ev.status !== "done" && ev.status !== "failed")) return;
      const row = this.d.outbox.get(ev.messageId);
      if (row?.status === "awaiting") this.check(row);
    });
    this.watched.set(sessionId, { ids: new Set([messageId]), off });
  }

  private unwatch(sessionId: string, messageId: string): void {
    const w = this.watched.get(sessionId);
    if (!w) return;
    w.ids.delete(messageId);
    if (w.ids.size > 0) return;
    w.off();
    this.watched.delete(sessionId);
  }

  /** What the sender gets: the reply from the log, or a short note when the run failed. */
  private replyText(m: InboxMessage): string {
    if (m.status === "done") {
      try {
        return replyTo(this.d.store.entries(m.sessionId), m.host ?? m.id, m.text);
      } catch (err) {
        this.d.log(`channels: cannot read the reply to ${m.id}: ${describeError(err)}`);
        return "";
      }
    }
    return m.error === "cancelled"
      ? "(The owner cancelled this run.)"
      : "Sorry, I could not finish that: the run failed. The owner can see why in the daemon's log.";
  }

  private flush(channel: string): void {
    if (this.closed || !this.senders.has(channel)) return;
    if (this.flushing.has(channel)) {
      this.again.add(channel);
      return;
    }
    const p = this.drain(channel)
      .catch((err: unknown) => this.d.log(`${channel}: delivery stopped: ${describeError(err)}`))
      .finally(() => {
        this.flushing.delete(channel);
        if (this.again.delete(channel)) this.flush(channel);
      });
    this.flushing.set(channel, p);
  }

  private prepared = new Set<Sender>();
  /** Rows backing off after a failure: not tried again before this time (ms since epoch). */
  private notBefore = new Map<string, number>();

  private async drain(channel: string): Promise<void> {
    const sender = this.senders.get(channel);
    if (!sender) return;
    const { outbox } = this.d;
    if (sender.prepare && !this.prepared.has(sender)) {
      this.prepared.add(sender);
      await sender.prepare().catch(() => undefined);
    }
    // A lane (a chat, a conversation) whose oldest reply is backing off is skipped for this pass,
    // keeping its order, while other lanes go on: one throttled chat does not hold up the rest.
    const blocked = new Set<string>();
    let retryIn: number | undefined;
    const later = (lane: string, ms: number) => {
      blocked.add(lane);
      retryIn = Math.min(retryIn ?? ms, ms);
    };
    for (const row of outbox.pending(channel)) {
      if (this.closed) return;
      const lane = sender.lane?.(row) ?? "";
      if (blocked.has(lane)) continue;
      const wait = (this.notBefore.get(row.id) ?? 0) - Date.now();
      if (wait > 0) {
        later(lane, wait);
        continue;
      }
      const parts = sender.parts(row.text ?? "");
      if (parts.length === 0) {
        outbox.settle(row.id, "sent", "empty reply: nothing sent");
        continue;
      }
      try {
        for (let i = row.partsSent; i < parts.length; i++) {
          outbox.inFlight(row.id, true);
          await sender.send(row, parts[i] as string, i, this.abort.signal);
          outbox.progress(row.id, i + 1);
        }
        outbox.settle(row.id, "sent");
        this.notBefore.delete(row.id);
      } catch (err) {
        // Aborted at close: the row stays in flight, so the next start treats it as in doubt.
        if (this.abort.signal.aborted) return;
        const e = err instanceof SendError ? err : new SendError(describeError(err));
        const n = outbox.attempt(row.id, e.message);
        if (e.permanent || n >= MAX_ATTEMPTS) {
          outbox.settle(row.id, "failed");
          this.notBefore.delete(row.id);
          this.d.log(`${channel}: gave up on reply ${row.id} after ${n} attempt(s): ${e.message}`);
          continue;
        }
        const delay = e.retryAfterMs ?? Math.min(60_000, 500 * 2 ** (n - 1));
        this.d.log(`${channel}: sending reply ${row.id} failed (${e.message}); retrying in ${delay} ms`);
        this.notBefore.set(row.id, Date.now() + delay);
        later(lane, delay);
      }
    }
    if (retryIn !== undefined) this.retryLater(channel, retryIn);
  }

  private retryLater(channel: string, ms: number): void {
    clearTimeout(this.timers.get(channel));
    const t = setTimeout(() => {
      this.timers.delete(channel);
      this.flush(channel);
    }, ms);
    t.unref();
    this.timers.set(channel, t);
  }
}
