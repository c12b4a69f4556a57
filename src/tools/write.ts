// The `write` tool: create or overwrite a whole file, creating parent directories.
import { type Tool, ToolError } from "../loop/tool.js";
import type { JsonSchema } from "../util/json-schema.js";
import { createHostFs, type FsOps } from "./fs-ops.js";
import { writeEffects } from "./sensitive-paths.js";
import type { Workspace } from "./workspace.js";

/** Arguments of `write`, as guaranteed by its schema. */
export interface WriteArgs {
  path: string;
  content: string;
}

const parameters: JsonSchema = {
  type: "object",
  properties: { path: { type: "string" }, content: { type: "string" } },
  required: ["path", "content"],
  additionalProperties: false,
};

/** Writes `content` as UTF-8 to a confined path; reports the bytes written. */
export function createWriteTool(opts: { workspace: Workspace; fs?: FsOps }): Tool<WriteArgs> {
  const { workspace } = opts;
  const fs = opts.fs ?? createHostFs();
  return {
    name: "write",
    description: "Create or overwrite a file with the given content.",
    parameters,
    effects: (args: WriteArgs) => writeEffects(workspace, args.path),
    async execute(args: WriteArgs) {
      const abs = workspace.resolve(args.path, { forWrite: true });
      const info = await fs.stat(abs);
      if (info?.kind === "dir") throw new ToolError(`${args.path} is a directory; pass a file path.`);
      const data = Buffer.from(args.content, "utf8");
      await fs.writeFile(abs, data);
      return { content: `Wrote ${data.length} bytes to ${workspace.relative(abs)}.` };
    },
  };
}
