// The `grep` tool: a regular-expression search over workspace files, in pure JS (no ripgrep on
// the hosts we target). Each file is confined on its own, so symlinked files never leak out.
// Known limit: a pathological regex can backtrack for a long time; there is no per-regex timeout.
import { type Tool, ToolError } from "../loop/tool.js";
import type { JsonSchema } from "../util/json-schema.js";
import { findFiles } from "./find-files.js";
import { createHostFs, type FsOps } from "./fs-ops.js";
import { decodeUtf8, looksBinary, MAX_TEXT_FILE_BYTES } from "./text.js";
import type { Workspace } from "./workspace.js";

/** Caps on one search. */
export const GREP_MAX_MATCHES = 200;
export const GREP_MAX_LINE_CHARS = 300;

/** Arguments of `grep`, as guaranteed by its schema. */
export interface GrepArgs {
  pattern: string;
  path?: string;
  glob?: string;
  ignore_case?: boolean;
}

const parameters: JsonSchema = {
  type: "object",
  properties: {
    pattern: { type: "string", description: "JavaScript regex" },
    path: { type: "string", description: "file or directory, default ." },
    glob: { type: "string", description: "file filter, e.g. *.ts" },
    ignore_case: { type: "boolean" },
  },
  required: ["pattern"],
  additionalProperties: false,
};

/** Searches confined text files line by line; prints `file:line: text`, root-relative. */
export function createGrepTool(opts: { workspace: Workspace; fs?: FsOps }): Tool<GrepArgs> {
  const { workspace } = opts;
  const fs = opts.fs ?? createHostFs();
  return {
    name: "grep",
    description: "Search file contents with a regular expression; prints file:line: text.",
    parameters,
    async execute(args: GrepArgs, ctx) {
      let re: RegExp;
      try {
        re = new RegExp(args.pattern, args.ignore_case ? "i" : "");
      } catch (err) {
        throw new ToolError(`Invalid regex: ${(err as Error).message}`);
      }
      const where = args.path ?? ".";
      const abs = workspace.resolve(where);
      const info = await fs.stat(abs);
      if (!info) throw new ToolError(`Not found: ${where}. Use list to see what exists.`);

      let files: string[];
      if (info.kind === "dir") {
        // A glob without "/" filters by file name at any depth, as `rg -g` does.
        const glob =
          args.glob === undefined ? undefined : args.glob.includes("/") ? args.glob : `**/${args.glob}`;
        const prefix = workspace.relative(abs);
        files = (await findFiles(fs, abs, glob, ctx.signal)).map((f) =>
          prefix === "." ? f : `${prefix}/${f}`,
        );
      } else {
        files = [workspace.relative(abs)];
      }

      const out: string[] = [];
      for (const rel of files) {
        if (ctx.signal?.aborted) throw new ToolError("grep was aborted.");
        const text = await readText(fs, workspace, rel);
        if (text === undefined) continue;
        const lines = text.split("\n");
        for (let i = 0; i < lines.length; i++) {
          const line = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
          const m = re.exec(line);
          if (!m) continue;
          out.push(`${rel}:${i + 1}: ${clip(line, m.index)}`);
          if (out.length >= GREP_MAX_MATCHES) {
            out.push(`[… stopped at ${GREP_MAX_MATCHES} matches; narrow the pattern, path or glob]`);
            return { content: out.join("\n"), origin: "file" };
          }
        }
      }
      // Matched lines are file content the agent may not have written: untrusted for provenance.
      return out.length > 0 ? { content: out.join("\n"), origin: "file" } : { content: "No matches." };
    },
  };
}

// Undefined for anything not worth searching: outside the root, huge, binary or gone.
async function readText(fs: FsOps, workspace: Workspace, rel: string): Promise<string | undefined> {
  try {
    const abs = workspace.resolve(rel);
    const info = await fs.stat(abs);
    if (info?.kind !== "file" || info.size > MAX_TEXT_FILE_BYTES) return undefined;
    const bytes = await fs.readFile(abs);
    return looksBinary(bytes) ? undefined : decodeUtf8(bytes);
  } catch {
    return undefined;
  }
}

// Long lines (minified code) are cut to a window around the match so the match stays visible.
function clip(line: string, matchAt: number): string {
  if (line.length <= GREP_MAX_LINE_CHARS) return line;
  const start = Math.max(0, Math.min(matchAt - 100, line.length - GREP_MAX_LINE_CHARS));
  const end = start + GREP_MAX_LINE_CHARS;
  return (start > 0 ? "…" : "") + line.slice(start, end) + (end < line.length ? "…" : "");
}
