// Brings the derived index up to date with its sources of truth: the workspace's memory files and
// the session transcripts. Incremental: a file is re-read only when its mtime or size changed, and
// re-indexed only when its content hash changed too; a transcript only when its version changed.
// Sources that disappeared are dropped from the index.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseTurnsJsonl } from "./import-formats.js";
import type { IndexDb } from "./index-db.js";
import { markdownChunks } from "./markdown-chunks.js";
import { listMemoryFiles, type MemoryFile, noteDate } from "./memory-files.js";
import type { SourceInput } from "./types.js";

/** One turn of a stored session, as episodic memory. */
export interface TranscriptTurn {
  /** Stable id within the session (e.g. the entry's sequence number). */
  ref: string;
  role: "user" | "assistant";
  /** Epoch ms. */
  ts: number;
  text: string;
}

/** Where session transcripts come from (the runtime's session store); memory never writes to it. */
export interface TranscriptSource {
  /** The sessions to index, each with a version that changes whenever the session gains entries. */
  list(): { id: string; version: string }[];
  /** The turns of one session, in order. */
  turns(id: string): TranscriptTurn[];
}

/** What a sync did. */
export interface SyncReport {
  indexed: number;
  removed: number;
  unchanged: number;
}

/** Syncs files of `workspace` and, when given, transcripts into `db`. */
export function syncIndex(db: IndexDb, workspace: string, transcripts?: TranscriptSource): SyncReport {
  const report: SyncReport = { indexed: 0, removed: 0, unchanged: 0 };
  const known = db.fingerprints();
  const live = new Set<string>();

  for (const file of listMemoryFiles(workspace)) {
    const key = `file:${file.rel}`;
    const keys = [...known.keys()].filter((k) => k === key || k.startsWith(`${key}#`));
    const quick = `${file.mtimeMs}:${file.size}`;
    const stored = keys.length > 0 ? known.get(keys[0]) : undefined;
    if (stored?.startsWith(`${quick}:`)) {
      for (const k of keys) live.add(k);
      report.unchanged++;
      continue;
    }
    let content: string;
    try {
      content = readFileSync(file.abs, "utf8");
    } catch {
      continue; // vanished or unreadable since listing: treated as gone
    }
    const fingerprint = `${quick}:${createHash("sha1").update(content).digest("hex")}`;
    if (stored !== undefined && stored.split(":")[2] === fingerprint.split(":")[2]) {
      // Touched but unchanged: keep the chunks (and their vectors), note the new mtime.
      for (const k of keys) {
        db.setFingerprint(k, fingerprint);
        live.add(k);
      }
      report.unchanged++;
      continue;
    }
    for (const k of keys) db.deleteSource(k);
    for (const src of fileSources(file, content, fingerprint)) {
      db.putSource(src);
      live.add(src.key);
    }
    report.indexed++;
  }

  if (transcripts) {
    for (const s of transcripts.list()) {
      const key = `session:${s.id}`;
      live.add(key);
      if (known.get(key) === s.version) {
        report.unchanged++;
        continue;
      }
      const turns = transcripts.turns(s.id);
      db.putSource({
        key,
        kind: "session",
        label: s.id,
        ...(turns.length > 0 ? { ts: turns[0].ts } : {}),
        fingerprint: s.version,
        chunks: turns.map((t) => ({ ref: t.ref, role: t.role, ts: t.ts, text: t.text })),
      });
      report.indexed++;
    }
  }

  for (const key of known.keys()) {
    if (live.has(key) || (!transcripts && key.startsWith("session:"))) continue;
    db.deleteSource(key);
    report.removed++;
  }
  return report;
}

/** The sources one file yields: itself (Markdown), or one per conversation (imported turns). */
export function fileSources(file: MemoryFile, content: string, fingerprint: string): SourceInput[] {
  const key = `file:${file.rel}`;
  if (file.format === "markdown") {
    const date = noteDate(file.rel);
    return [
      {
        key,
        kind: "file",
        label: file.rel,
        ...(date !== undefined ? { ts: date } : {}),
        fingerprint,
        chunks: markdownChunks(content, date),
      },
    ];
  }
  const bySession = new Map<string, SourceInput>();
  for (const t of parseTurnsJsonl(content).turns) {
    let src = bySession.get(t.session);
    if (!src) {
      src = {
        key: `${key}#${t.session}`,
        kind: "session",
        label: t.session,
        ts: Date.parse(t.date),
        fingerprint,
        chunks: [],
      };
      bySession.set(t.session, src);
    }
    src.chunks.push({ ref: t.id, role: t.role, ts: Date.parse(t.date), text: t.text });
  }
  return [...bySession.values()];
}
