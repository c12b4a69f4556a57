// Shared helpers of the memory tests: a fresh workspace and index, a clock, and conversations.
import { mkdirSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Memory, type MemoryOptions } from "../../src/memory/memory.js";
import type { SourceInput } from "../../src/memory/types.js";

/** A fresh temp folder with a workspace and a state folder. */
export function tempDirs(): { base: string; workspace: string; home: string; indexFile: string } {
  const base = mkdtempSync(path.join(os.tmpdir(), "ratchet-mem-"));
  const workspace = path.join(base, "ws");
  const home = path.join(base, "home");
  mkdirSync(workspace);
  mkdirSync(home);
  return { base, workspace, home, indexFile: path.join(home, "memory", "index.sqlite") };
}

/** 2024-03-15T12:00:00Z. */
export const NOW = Date.UTC(2024, 2, 15, 12, 0);

/** A Memory over a fresh workspace (extra options merged in). */
export function freshMemory(extra: Partial<MemoryOptions> = {}) {
  const dirs = tempDirs();
  const memory = new Memory({
    workspace: dirs.workspace,
    indexFile: dirs.indexFile,
    now: () => NOW,
    ...extra,
  });
  return { ...dirs, memory };
}

/** A conversation of user turns said at `ts`, with turn ids `<label>_1`, `<label>_2`, … */
export function userSession(label: string, ts: number, texts: string[]): SourceInput {
  return {
    key: `s:${label}`,
    kind: "session",
    label,
    ts,
    fingerprint: "",
    chunks: texts.map((text, i) => ({ ref: `${label}_${i + 1}`, role: "user", ts, text })),
  };
}
