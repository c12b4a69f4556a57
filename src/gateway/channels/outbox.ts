// The channel outbox: every reply a channel owes is a row here before it is sent, so a reply is
// sent once even across kill -9. A row for an inbox message starts "awaiting" (written when the
// message is accepted, before the channel acknowledges it), becomes "pending" with its text fixed
// once the message is done or failed, and "sent" right after the channel's API accepted it.
// A send in flight is marked first: after a crash, such a row is "in doubt" (the request may have
// arrived). Webhooks resend it (receivers drop the repeat by Idempotency-Key); Telegram, which has
// no idempotency, does not, and marks it failed, so a chat never sees a reply twice.
// Also keeps small per-channel state (the Telegram update offset). Lives in ratchet.db.
import type Database from "better-sqlite3";
import { openStore } from "../../util/sqlite.js";

/** Where an outbox row stands. */
export type OutboxStatus = "awaiting" | "pending" | "sent" | "failed";

/** One owed reply. */
export interface OutboxRow {
  /** The inbox message id, or a channel-made key for replies not tied to a message (pairing). */
  id: string;
  /** "telegram" or "webhook:<name>". */
  channel: string;
  /** Channel-specific address (a Telegram chat id, a webhook conversation). */
  target: Record<string, unknown>;
  /** The inbox message whose reply this carries, if any. */
  messageId: string | null;
  text: string | null;
  status: OutboxStatus;
  /** Parts already sent (long texts go out in several parts). */
  partsSent: number;
  /** A send was in flight when it was last written: after a restart, it may have arrived. */
  inFlight: boolean;
  attempts: number;
  lastError: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS channel_outbox (
  id TEXT PRIMARY KEY, channel TEXT NOT NULL, target TEXT NOT NULL, message_id TEXT, text TEXT,
  status TEXT NOT NULL CHECK (status IN ('awaiting', 'pending', 'sent', 'failed')),
  parts_sent INTEGER NOT NULL DEFAULT 0, in_flight INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS channel_outbox_open ON channel_outbox(status, channel) WHERE status IN ('awaiting', 'pending');
CREATE TABLE IF NOT EXISTS channel_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

interface Row {
  id: string;
  channel: string;
  target: string;
  message_id: string | null;
  text: string | null;
  status: OutboxStatus;
  parts_sent: number;
  in_flight: number;
  attempts: number;
  last_error: string | null;
}

/**
 * SQLite-backed outbox. Writes survive a process kill when they return (WAL, synchronous NORMAL);
 * no fsync per write, which would widen the in-doubt window of every send. The rows a message
 * needs before it is acknowledged are written right after the inbox's own FULL write.
 */
export class Outbox {
  private db: Database.Database;

  constructor(
    file: string,
    private now: () => number = Date.now,
  ) {
    this.db = openStore(file, SCHEMA, "NORMAL");
  }

  /** Owes the reply to inbox message `messageId` (no-op when already owed: redelivery is safe). */
  expect(messageId: string, channel: string, target: Record<string, unknown>): void {
    this.db
      .prepare(
        "INSERT OR IGNORE INTO channel_outbox (id, channel, target, message_id, status, created_at) VALUES (?, ?, ?, ?, 'awaiting', ?)",
      )
      .run(messageId, channel, JSON.stringify(target), messageId, this.now());
  }

  /** Owes a fixed text under `id` (no-op when `id` exists). */
  queue(id: string, channel: string, target: Record<string, unknown>, text: string): void {
    this.db
      .prepare(
        "INSERT OR IGNORE INTO channel_outbox (id, channel, target, text, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)",
      )
      .run(id, channel, JSON.stringify(target), text, this.now());
  }

  get(id: string): OutboxRow | undefined {
    const row = this.db.prepare("SELECT * FROM channel_outbox WHERE id = ?").get(id) as Row | undefined;
    return row ? toRow(row) : undefined;
  }

  /** Rows waiting for their message to finish. */
  awaiting(): OutboxRow[] {
    return (
      this.db.prepare("SELECT * FROM channel_outbox WHERE status = 'awaiting' ORDER BY rowid").all() as Row[]
    ).map(toRow);
  }

  /** Rows ready to send on `channel`, oldest first. */
  pending(channel: string): OutboxRow[] {
    return (
      this.db
        .prepare("SELECT * FROM channel_outbox WHERE status = 'pending' AND channel = ? ORDER BY rowid")
        .all(channel) as Row[]
    ).map(toRow);
  }

  /** Fixes the text of an awaiting row; it is then sent. */
  ready(id: string, text: string): void {
    this.db
      .prepare("UPDATE channel_outbox SET text = ?, status = 'pending' WHERE id = ? AND status = 'awaiting'")
      .run(text, id);
  }

  /** Marks a send as starting (durable before the request leaves) or as answered either way. */
  inFlight(id: string, on: boolean): void {
    this.db.prepare("UPDATE channel_outbox SET in_flight = ? WHERE id = ?").run(on ? 1 : 0, id);
  }

  /** Records that `parts` parts of the text went out (the send in flight is over). */
  progress(id: string, parts: number): void {
    this.db.prepare("UPDATE channel_outbox SET parts_sent = ?, in_flight = 0 WHERE id = ?").run(parts, id);
  }

  /** Final: `sent`, or `failed` with why; the note is kept either way. */
  settle(id: string, status: "sent" | "failed", note?: string): void {
    this.db
      .prepare(
        "UPDATE channel_outbox SET status = ?, in_flight = 0, last_error = COALESCE(?, last_error) WHERE id = ?",
      )
      .run(status, note ?? null, id);
  }

  /** Counts a failed attempt; returns the attempts so far. */
  attempt(id: string, error: string): number {
    this.db
      .prepare(
        "UPDATE channel_outbox SET attempts = attempts + 1, in_flight = 0, last_error = ? WHERE id = ?",
      )
      .run(error, id);
    return this.get(id)?.attempts ?? 0;
  }

  state(key: string): string | undefined {
    const row = this.db.prepare("SELECT value FROM channel_state WHERE key = ?").get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  setState(key: string, value: string): void {
    this.db
      .prepare(
        "INSERT INTO channel_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      )
      .run(key, value);
  }

  close(): void {
    this.db.close();
  }
}

function toRow(r: Row): OutboxRow {
  return {
    id: r.id,
    channel: r.channel,
    target: JSON.parse(r.target) as Record<string, unknown>,
    messageId: r.message_id,
    text: r.text,
    status: r.status,
    partsSent: r.parts_sent,
    inFlight: r.in_flight === 1,
    attempts: r.attempts,
    lastError: r.last_error,
  };
}
