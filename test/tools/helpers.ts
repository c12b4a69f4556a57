// Shared fixtures for the workspace tool tests: a real temp directory per test.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ToolContext } from "../../src/loop/tool.js";

/** A fresh temp dir (realpath'd) with the given files; removed by the returned cleanup. */
export function tempTree(files: Record<string, string | Buffer> = {}): { dir: string; cleanup: () => void } {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "ratchet-tools-")));
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A tool context for direct execute() calls. */
export const ctx = (signal?: AbortSignal): ToolContext => ({ toolCallId: "t1", signal });
