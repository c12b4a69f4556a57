// Glob-based file finding shared by `list` and `grep`: patterns are checked so they cannot climb
// out of the directory, .git and node_modules are skipped, and symlinks are never traversed.
import { ToolError } from "../loop/tool.js";
import type { FsOps } from "./fs-ops.js";

/** Skipped by list and grep; the model can still read or exec inside them explicitly. */
export const DEFAULT_IGNORE = ["**/.git/**", "**/node_modules/**"];

/** Refuses glob patterns that are absolute or contain a `..` segment. */
export function checkGlob(pattern: string): void {
  if (pattern.trim() === "") throw new ToolError("Glob pattern is empty.");
  if (pattern.startsWith("/") || pattern.split("/").includes("..")) {
    throw new ToolError(`Glob pattern ${pattern} must be relative and must not contain "..".`);
  }
}

/** Files under `dirAbs` matching `pattern` (default: all), relative to `dirAbs`, sorted. */
export async function findFiles(
  fs: FsOps,
  dirAbs: string,
  pattern = "**/*",
  signal?: AbortSignal,
): Promise<string[]> {
  checkGlob(pattern);
  const files = await fs.glob([pattern], { cwd: dirAbs, ignore: DEFAULT_IGNORE, dot: true, signal });
  return files.sort();
}
