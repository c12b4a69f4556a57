// Heartbeat checks: cheap, deterministic fingerprints of what a heartbeat watches (a file's
// content hash, a glob's paths with sizes and mtimes), and a short factual description of what
// changed between two sets of fingerprints. When nothing changed the scheduler makes no model call.
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { globSync } from "tinyglobby";
import type { HeartbeatCheck } from "./scheduler-store.js";

/** Files larger than this are fingerprinted by size and mtime instead of hashed (keeps checks cheap). */
const HASH_LIMIT = 32 * 1024 * 1024;
/** A glob matching more paths than this is cut (and says so in its fingerprint). */
const GLOB_LIMIT = 5000;
/** Names listed per kind of change in a description. */
const NAMES_SHOWN = 10;

/** Fingerprints by check key. A file's is a string; a glob's maps each path to "size:mtime". */
export type Fingerprints = Record<string, string | Record<string, string>>;

/** Stable key of a check (its kind and target), so reordering checks keeps their state. */
export function checkKey(c: HeartbeatCheck): string {
  return c.type === "file" ? `file:${c.path}` : `glob:${c.cwd ?? "."}:${c.pattern}`;
}

/** Computes every check's fingerprint; relative paths resolve against `workspace`. */
export function fingerprint(checks: HeartbeatCheck[], workspace: string): Fingerprints {
  const out: Fingerprints = {};
  for (const c of checks) {
    if (c.type === "file") out[checkKey(c)] = fileFingerprint(path.resolve(workspace, c.path));
    else {
      const cwd = path.resolve(workspace, c.cwd ?? ".");
      // Symlinks are not followed and dependency/VCS folders are skipped: a check must stay cheap.
      const found = globSync(c.pattern, {
        cwd,
        onlyFiles: true,
        dot: false,
        followSymbolicLinks: false,
        ignore: ["**/node_modules/**", "**/.git/**"],
      }).sort();
      const map: Record<string, string> = {};
      for (const p of found.slice(0, GLOB_LIMIT)) {
        try {
          const st = statSync(path.join(cwd, p));
          map[p] = `${st.size}:${Math.trunc(st.mtimeMs)}`;
        } catch {
          // vanished between the glob and the stat: treat as absent
        }
      }
      if (found.length > GLOB_LIMIT) map["…"] = `${found.length - GLOB_LIMIT} more paths not compared`;
      out[checkKey(c)] = map;
    }
  }
  return out;
}

function fileFingerprint(file: string): string {
  try {
    const st = statSync(file);
    if (!st.isFile()) return "not-a-file";
    if (st.size > HASH_LIMIT) return `large:${st.size}:${Math.trunc(st.mtimeMs)}`;
    return `sha256:${createHash("sha256").update(readFileSync(file)).digest("hex")}`;
  } catch {
    return "missing";
  }
}

/**
 * What differs between `before` (null: never checked) and `after`, one line per changed check;
 * empty when nothing changed.
 */
export function describeChanges(
  checks: HeartbeatCheck[],
  before: Fingerprints | null,
  after: Fingerprints,
): string[] {
  const lines: string[] = [];
  for (const c of checks) {
    const key = checkKey(c);
    const was = before?.[key];
    const now = after[key];
    if (c.type === "file") {
      if (was === now) continue;
      if (was === undefined)
        lines.push(`file ${c.path}: first check (${now === "missing" ? "missing" : "present"})`);
      else if (now === "missing") lines.push(`file ${c.path}: deleted`);
      else if (was === "missing") lines.push(`file ${c.path}: created`);
      else lines.push(`file ${c.path}: content changed`);
      continue;
    }
    const a = typeof was === "object" ? was : undefined;
    const b = (typeof now === "object" ? now : {}) as Record<string, string>;
    const where = c.cwd ? ` in ${c.cwd}` : "";
    if (!a) {
      lines.push(`glob ${c.pattern}${where}: first check (${Object.keys(b).length} paths)`);
      continue;
    }
    const added = Object.keys(b).filter((p) => !(p in a));
    const removed = Object.keys(a).filter((p) => !(p in b));
    const modified = Object.keys(b).filter((p) => p in a && a[p] !== b[p]);
    const parts = [names("added", added), names("removed", removed), names("modified", modified)].filter(
      (s) => s !== "",
    );
    if (parts.length > 0) lines.push(`glob ${c.pattern}${where}: ${parts.join("; ")}`);
  }
  return lines;
}

function names(label: string, list: string[]): string {
  if (list.length === 0) return "";
  const shown = list.slice(0, NAMES_SHOWN).join(", ");
  return `${label} ${shown}${list.length > NAMES_SHOWN ? ` and ${list.length - NAMES_SHOWN} more` : ""}`;
}
