// The memory files in a workspace — the source of truth the user can read and edit:
//   MEMORY.md                 durable facts and preferences
//   memory/YYYY-MM-DD.md      dated notes (one file a day)
//   memory/**/*.md            any other notes
//   memory/imports/*.jsonl    imported conversations, one turn a line (see import.ts)
// Writes are appends through O_APPEND in a single write() call, so concurrent writers (daemon, CLI,
// several agents) never overwrite or interleave each other's entries. A new daily note gets its
// heading atomically: written to a private temp file and hard-linked into place, which fails if the
// note already exists — no check-then-create race.
import { appendFileSync, linkSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Workspace-relative path of the long-term memory file. */
export const LONG_TERM_FILE = "MEMORY.md";
/** Workspace-relative folder of dated notes, other notes and imports. */
export const NOTES_DIR = "memory";
/** Workspace-relative folder of imported conversations. */
export const IMPORTS_DIR = "memory/imports";

/** A memory file found on disk. */
export interface MemoryFile {
  /** Workspace-relative, with forward slashes. */
  rel: string;
  abs: string;
  mtimeMs: number;
  size: number;
  format: "markdown" | "turns";
}

/** Every memory file of the workspace (missing folders are simply empty); symlinks are not followed. */
export function listMemoryFiles(workspace: string): MemoryFile[] {
  const out: MemoryFile[] = [];
  const add = (abs: string, format: MemoryFile["format"]) => {
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st?.isFile()) return;
    const rel = path.relative(workspace, abs).split(path.sep).join("/");
    out.push({ rel, abs, mtimeMs: st.mtimeMs, size: st.size, format });
  };
  add(path.join(workspace, LONG_TERM_FILE), "markdown");
  const walk = (dir: string, depth: number) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const abs = path.join(dir, e.name);
      if (e.isDirectory() && depth < 4) walk(abs, depth + 1);
      else if (e.isFile() && e.name.endsWith(".md")) add(abs, "markdown");
      else if (e.isFile() && e.name.endsWith(".jsonl")) add(abs, "turns");
    }
  };
  walk(path.join(workspace, NOTES_DIR), 0);
  return out.sort((a, b) => a.rel.localeCompare(b.rel));
}

/** "YYYY-MM-DD" of `t` in UTC. */
export function isoDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/** The day a dated note's file name says (epoch ms, UTC midnight), if it is one. */
export function noteDate(rel: string): number | undefined {
  const m = /(\d{4})-(\d{2})-(\d{2})\.md$/.exec(rel);
  if (!m) return undefined;
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3]);
  return Number.isNaN(t) ? undefined : t;
}

/** Workspace-relative path of the dated note for day `t`. */
export function dailyNotePath(t: number): string {
  return `${NOTES_DIR}/${isoDay(t)}.md`;
}

/** Creates `abs` with `initial` content unless it exists; atomic against other processes. */
export function createExclusive(abs: string, initial: string): void {
  mkdirSync(path.dirname(abs), { recursive: true });
  const tmp = `${abs}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, initial, { flag: "wx" });
  try {
    linkSync(tmp, abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Appends `text` (one write, O_APPEND) to a workspace file, creating it with `heading` first if new. */
export function appendEntry(workspace: string, rel: string, text: string, heading: string): void {
  const abs = path.join(workspace, rel);
  createExclusive(abs, heading);
  appendFileSync(abs, text, { flag: "a" });
}
