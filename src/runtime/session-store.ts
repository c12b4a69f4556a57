// Durable sessions in SQLite. The entries table is an append-only log and the source of truth:
// every message is written the moment it exists, so a crash loses at most the step in flight.
// The sessions table is a summary derived from it for fast listing.
import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import type { Message, ToolCallBlock, Usage } from "../models/types.js";
import { addUsage, emptyUsage } from "../models/types.js";
import { userError } from "../util/errors.js";
import { openStore } from "../util/sqlite.js";

/** Format version of entry payloads; bump when their shape changes. */
export const ENTRY_FORMAT = 1;

/** "compaction": older messages were summarised (see memory/compaction.ts); data is the record. */
export type EntryKind = "message" | "run_start" | "run_end" | "compaction";

export interface Entry {
  seq: number;
  ts: number;
  kind: EntryKind;
  v: number;
  data: unknown;
}

export interface SessionSummary {
  id: string;
  createdAt: number;
  updatedAt: number;
  title: string;
  workspace: string;
  model: string;
  status: string;
  steps: number;
  toolCalls: number;
  usage: Usage;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, title TEXT NOT NULL,
  workspace TEXT NOT NULL, model TEXT NOT NULL, status TEXT NOT NULL, steps INTEGER NOT NULL DEFAULT 0,
  tool_calls INTEGER NOT NULL DEFAULT 0, usage TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
  session_id TEXT NOT NULL REFERENCES sessions(id), seq INTEGER NOT NULL, ts INTEGER NOT NULL,
  kind TEXT NOT NULL, v INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_updated ON sessions(updated_at DESC);
`;

interface SessionRow {
  id: string;
  created_at: number;
  updated_at: number;
  title: string;
  workspace: string;
  model: string;
  status: string;
  steps: number;
  tool_calls: number;
  usage: string;
}

/** SQLite-backed session log. One instance per process; safe alongside other processes (WAL). */
export class SessionStore {
  private db: Database.Database;
  private now: () => number;

  constructor(file: string, now: () => number = Date.now) {
    this.db = openStore(file, SCHEMA, "NORMAL");
    this.now = now;
  }

  /** Creates a session and returns its id. */
  create(init: { workspace: string; model: string; title: string }): string {
    const id = randomBytes(6).toString("hex");
    const t = this.now();
    this.db
      .prepare(
        "INSERT INTO sessions (id, created_at, updated_at, title, workspace, model, status, usage) VALUES (?, ?, ?, ?, ?, ?, 'new', ?)",
      )
      .run(id, t, t, init.title.slice(0, 200), init.workspace, init.model, JSON.stringify(emptyUsage()));
    return id;
  }

  /** The session's summary, or a user error naming the id when there is none. */
  get(id: string): SessionSummary {
    const row = this.db.prepare("SELECT * FROM sessions WHERE id = ?").get(id) as SessionRow | undefined;
    if (!row)
      throw userError(
        "session_not_found",
        `No session "${id}". Run \`ratchet sessions list\` to see the ids.`,
      );
    return toSummary(row);
  }

  /** Most recently updated first. */
  list(limit = 50): SessionSummary[] {
    const rows = this.db
      .prepare("SELECT * FROM sessions ORDER BY updated_at DESC LIMIT ?")
      .all(limit) as SessionRow[];
    return rows.map(toSummary);
  }

  /** Appends one entry durably and returns its sequence number. */
  append(sessionId: string, kind: EntryKind, data: unknown): number {
    const tx = this.db.transaction(() => {
      const row = this.db
        .prepare("SELECT COALESCE(MAX(seq), 0) AS s FROM entries WHERE session_id = ?")
        .get(sessionId) as { s: number };
      const seq = row.s + 1;
      const t = this.now();
      this.db
        .prepare("INSERT INTO entries (session_id, seq, ts, kind, v, data) VALUES (?, ?, ?, ?, ?, ?)")
        .run(sessionId, seq, t, kind, ENTRY_FORMAT, JSON.stringify(data));
      this.db.prepare("UPDATE sessions SET updated_at = ? WHERE id = ?").run(t, sessionId);
      return seq;
    });
    return tx();
  }

  /** Records the outcome of a run in the summary (status, and adds steps, tool calls, usage). */
  recordRun(
    sessionId: string,
    outcome: { status: string; steps: number; toolCalls: number; usage: Usage; model: string },
  ): void {
    const s = this.get(sessionId);
    const usage = addUsage(s.usage, outcome.usage);
    this.db
      .prepare(
        "UPDATE sessions SET status = ?, steps = ?, tool_calls = ?, usage = ?, model = ?, updated_at = ? WHERE id = ?",
      )
      .run(
        outcome.status,
        s.steps + outcome.steps,
        s.toolCalls + outcome.toolCalls,
        JSON.stringify(usage),
        outcome.model,
        this.now(),
        sessionId,
      );
  }

  /** Marks a session as running (so a crash shows up as "running" with no end). */
  markRunning(sessionId: string): void {
    this.db
      .prepare("UPDATE sessions SET status = 'running', updated_at = ? WHERE id = ?")
      .run(this.now(), sessionId);
  }

  entries(sessionId: string): Entry[] {
    this.get(sessionId);
    const rows = this.db
      .prepare("SELECT seq, ts, kind, v, data FROM entries WHERE session_id = ? ORDER BY seq")
      .all(sessionId) as {
      seq: number;
      ts: number;
      kind: EntryKind;
      v: number;
      data: string;
    }[];
    return rows.map((r) => ({ ...r, data: JSON.parse(r.data) }));
  }

  /** The conversation as the model saw it, in order. */
  messages(sessionId: string): Message[] {
    return this.entries(sessionId)
      .filter((e) => e.kind === "message")
      .map((e) => e.data as Message);
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Tool calls that never got a result (the process died mid-step). Providers reject such
 * histories, so the runtime appends an "interrupted" result for each before continuing.
 */
export function danglingToolCalls(messages: Message[]): ToolCallBlock[] {
  const answered = new Set(messages.filter((m) => m.role === "toolResult").map((m) => m.toolCallId));
  const calls: ToolCallBlock[] = [];
  for (const m of messages) {
    if (m.role !== "assistant") continue;
    for (const b of m.content) if (b.type === "toolCall" && !answered.has(b.id)) calls.push(b);
  }
  return calls;
}

function toSummary(r: SessionRow): SessionSummary {
  return {
    id: r.id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    title: r.title,
    workspace: r.workspace,
    model: r.model,
    status: r.status,
    steps: r.steps,
    toolCalls: r.tool_calls,
    usage: JSON.parse(r.usage) as Usage,
  };
}
