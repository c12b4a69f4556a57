// One way to open Ratchet's SQLite stores (sessions, approvals, inbox, scheduler, channels): they
// share ratchet.db across processes (daemon and CLI), so every connection uses WAL and waits for a
// busy writer instead of failing.
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

/**
 * Opens `file` (creating its folder, mode 0700) in WAL mode with a 5 s busy timeout and applies
 * `schema`. `synchronous`: NORMAL survives a process kill; FULL (SQLite's default) also a power
 * loss, at an fsync per commit.
 */
export function openStore(file: string, schema: string, synchronous: "NORMAL" | "FULL"): Database.Database {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma("busy_timeout = 5000");
  db.exec(schema);
  return db;
}
