// The durable inbox: every inbound message is written here before it is acknowledged, and its
// status moves queued → running → done | failed. On start the daemon re-processes every message
// still queued or running. Lives in ratchet.db beside the sessions (own tables, own connection).
import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import { openStore } from "../util/sqlite.js";

/** Where a message stands. "running" includes being delivered into another message's run. */
export type InboxStatus = "queued" | "running" | "done" | "failed";

/** One inbound message. */
export interface InboxMessage {
  id: string;
  sessionId: string;
  text: string;
  status: InboxStatus;
  createdAt: number;
  /** Client-supplied key: a retried send with the same key is the same message. */
  idempotencyKey: string | null;
  workspace: string;
  model: string | null;
  /** When delivered as steering/follow-up into another message's run: that message's id. */
  host: string | null;
  /** Why it failed, when status is "failed". */
  error: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS inbox (
  id TEXT PRIMARY KEY, session_id TEXT NOT NULL, text TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  created_at INTEGER NOT NULL, idempotency TEXT UNIQUE, workspace TEXT NOT NULL, model TEXT,
  host TEXT, error TEXT, seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS inbox_open ON inbox(status, seq) WHERE status IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS inbox_session ON inbox(session_id, seq);
CREATE TABLE IF NOT EXISTS session_keys (key TEXT PRIMARY KEY, session_id TEXT NOT NULL);
`;

interface Row {
  id: string;
  session_id: string;
  text: string;
  status: InboxStatus;
  created_at: number;
  idempotency: string | null;
  workspace: string;
  model: string | null;
  host: string | null;
  error: string | null;
}

/** SQLite-backed inbox. Writes are synchronous and durable (WAL) when they return. */
export class InboxStore {
  private db: Database.Database;
  private statements = new Map<string, Database.Statement>();

  constructor(
    file: string,
    private now: () => number = Date.now,
  ) {
    // NORMAL (WAL) survives a process kill; `add` switches to FULL so an acknowledged message
    // also survives power loss. Status updates need not: recovery re-derives them from the log.
    this.db = openStore(file, SCHEMA, "NORMAL");
  }

  /**
   * Stores a message as queued; with a known idempotency key returns the existing message instead
   * (`duplicate: true`), so a client retrying a lost acknowledgement never enqueues twice.
   */
  add(m: { sessionId: string; text: string; workspace: string; model?: string; idempotencyKey?: string }): {
    message: InboxMessage;
    duplicate: boolean;
  } {
    const tx = this.db.transaction(() => {
      if (m.idempotencyKey) {
        const row = this.sql("SELECT * FROM inbox WHERE idempotency = ?").get(m.idempotencyKey) as
          | Row
          | undefined;
        if (row) return { message: toMessage(row), duplicate: true };
      }
      const id = `msg_${randomBytes(8).toString("hex")}`;
      const seq = (this.sql("SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM inbox").get() as { s: number }).s;
      this.sql(
        "INSERT INTO inbox (id, session_id, text, status, created_at, idempotency, workspace, model, seq) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?)",
      ).run(id, m.sessionId, m.text, this.now(), m.idempotencyKey ?? null, m.workspace, m.model ?? null, seq);
      return { message: this.get(id) as InboxMessage, duplicate: false };
    });
    this.db.pragma("synchronous = FULL");
    try {
      return tx();
    } finally {
      this.db.pragma("synchronous = NORMAL");
    }
  }

  /** One message, or undefined. */
  get(id: string): InboxMessage | undefined {
    const row = this.sql("SELECT * FROM inbox WHERE id = ?").get(id) as Row | undefined;
    return row ? toMessage(row) : undefined;
  }

  /** The message stored under an idempotency key, or undefined. */
  byKey(key: string): InboxMessage | undefined {
    const row = this.sql("SELECT * FROM inbox WHERE idempotency = ?").get(key) as Row | undefined;
    return row ? toMessage(row) : undefined;
  }

  /** Messages still to process (queued or running), in arrival order. */
  open(): InboxMessage[] {
    return (
      this.sql("SELECT * FROM inbox WHERE status IN ('queued', 'running') ORDER BY seq").all() as Row[]
    ).map(toMessage);
  }

  /** Moves a message to a status; `host` records delivery into another message's run. */
  setStatus(id: string, status: InboxStatus, extra: { host?: string | null; error?: string } = {}): void {
    this.sql("UPDATE inbox SET status = ?, host = COALESCE(?, host), error = ? WHERE id = ?").run(
      status,
      extra.host ?? null,
      extra.error ?? null,
      id,
    );
    if (extra.host === null) this.sql("UPDATE inbox SET host = NULL WHERE id = ?").run(id);
  }

  /** Messages delivered into the run of `host`. */
  guests(host: string): InboxMessage[] {
    return (this.sql("SELECT * FROM inbox WHERE host = ? ORDER BY seq").all(host) as Row[]).map(toMessage);
  }

  /** The session bound to an external conversation key (OpenAI `user`, X-Session-Id). */
  sessionForKey(key: string): string | undefined {
    const row = this.sql("SELECT session_id FROM session_keys WHERE key = ?").get(key) as
      | { session_id: string }
      | undefined;
    return row?.session_id;
  }

  /** Binds a conversation key to a session (first binding wins). */
  bindKey(key: string, sessionId: string): string {
    this.sql("INSERT OR IGNORE INTO session_keys (key, session_id) VALUES (?, ?)").run(key, sessionId);
    return this.sessionForKey(key) ?? sessionId;
  }

  close(): void {
    this.db.close();
  }

  /** A prepared statement, compiled once (the inbox is on every turn's path). */
  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }
}

function toMessage(r: Row): InboxMessage {
  return {
    id: r.id,
    sessionId: r.session_id,
    text: r.text,
    status: r.status,
    createdAt: r.created_at,
    idempotencyKey: r.idempotency,
    workspace: r.workspace,
    model: r.model,
    host: r.host,
    error: r.error,
  };
}
