// The `list` tool: one directory's entries, or the files matching a glob.
import * as path from "node:path";
import { type Tool, ToolError } from "../loop/tool.js";
import type { JsonSchema } from "../util/json-schema.js";
import { findFiles } from "./find-files.js";
import { createHostFs, type FsOps } from "./fs-ops.js";
import type { Workspace } from "./workspace.js";

/** At most this many entries are shown. */
export const LIST_MAX_ENTRIES = 500;

/** Arguments of `list`, as guaranteed by its schema. */
export interface ListArgs {
  path?: string;
  pattern?: string;
}

const parameters: JsonSchema = {
  type: "object",
  properties: {
    path: { type: "string", description: "directory, default ." },
    pattern: { type: "string", description: "glob, e.g. src/**/*.ts" },
  },
  additionalProperties: false,
};

// Like `ls -F`: directories end in "/", symlinks in "@".
const SUFFIX = { dir: "/", symlink: "@", file: "", other: "" } as const;

/** Lists a confined directory, or (with a pattern) the files under it, as root-relative paths. */
export function createListTool(opts: { workspace: Workspace; fs?: FsOps }): Tool<ListArgs> {
  const { workspace } = opts;
  const fs = opts.fs ?? createHostFs();
  return {
    name: "list",
    description: "List a directory, or the files matching a glob pattern.",
    parameters,
    async execute(args: ListArgs, ctx) {
      const dir = args.path ?? ".";
      const abs = workspace.resolve(dir);
      const info = await fs.stat(abs);
      if (!info) throw new ToolError(`Directory not found: ${dir}.`);
      if (info.kind !== "dir") throw new ToolError(`${dir} is not a directory; use read for files.`);
      const rel = workspace.relative(abs);
      const prefix = rel === "." ? "" : `${rel}/`;

      let entries: string[];
      if (args.pattern !== undefined) {
        entries = (await findFiles(fs, abs, args.pattern, ctx.signal)).map((f) => prefix + f);
        if (entries.length === 0) return { content: `No files match ${args.pattern} under ${rel}.` };
      } else {
        const dirents = await fs.readdir(abs);
        dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        entries = dirents.map((d) => path.posix.join(prefix, d.name) + SUFFIX[d.kind]);
        if (entries.length === 0) return { content: `[${rel} is empty]` };
      }
      // File names are content too (a name can carry an instruction): untrusted for provenance.
      if (entries.length <= LIST_MAX_ENTRIES) return { content: entries.join("\n"), origin: "file" };
      const hint = args.pattern !== undefined ? "narrow the pattern" : "use a pattern or a subdirectory";
      return {
        content: `${entries.slice(0, LIST_MAX_ENTRIES).join("\n")}\n[… ${LIST_MAX_ENTRIES} of ${entries.length} entries shown; ${hint}]`,
        origin: "file",
      };
    },
  };
}
