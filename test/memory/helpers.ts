// Shared helpers of the memory tests: a fresh workspace and index, and a clock.
import { mkdirSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Memory, type MemoryOptions } from "../../src/memory/memory.js";

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
