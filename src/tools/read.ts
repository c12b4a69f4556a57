// The `read` tool: a text file, or a window of its lines, with a marker saying how to go on.
import { type Tool, ToolError } from "../loop/tool.js";
import type { JsonSchema } from "../util/json-schema.js";
import { createHostFs, type FsOps } from "./fs-ops.js";
import {
  decodeUtf8,
  formatBytes,
  looksBinary,
  MAX_TEXT_FILE_BYTES,
  splitLines,
  utf8SafeEnd,
} from "./text.js";
import type { Workspace } from "./workspace.js";

/** Default caps on one read: whichever is hit first. */
export const READ_MAX_LINES = 2000;
export const READ_MAX_BYTES = 50 * 1024;

/** Arguments of `read`, as guaranteed by its schema. */
export interface ReadArgs {
  path: string;
  offset?: number;
  limit?: number;
}

const parameters: JsonSchema = {
  type: "object",
  properties: {
    path: { type: "string" },
    offset: { type: "integer", minimum: 1, description: "1-based first line" },
    limit: { type: "integer", minimum: 1, description: "max lines" },
  },
  required: ["path"],
  additionalProperties: false,
};

/** Reads a confined file as text; CRLF is shown as LF (edit maps it back). */
export function createReadTool(opts: { workspace: Workspace; fs?: FsOps }): Tool<ReadArgs> {
  const { workspace } = opts;
  const fs = opts.fs ?? createHostFs();
  return {
    name: "read",
    description: "Read a text file; use offset/limit to page through long files.",
    parameters,
    async execute(args: ReadArgs) {
      const abs = workspace.resolve(args.path);
      const info = await fs.stat(abs);
      if (!info) throw new ToolError(`File not found: ${args.path}. Use list to see what exists.`);
      if (info.kind === "dir")
        throw new ToolError(`${args.path} is a directory; use list to see its entries.`);
      if (info.size > MAX_TEXT_FILE_BYTES) {
        throw new ToolError(
          `${args.path} is ${formatBytes(info.size)}, too large to read whole; use grep, or exec with head/sed -n.`,
        );
      }
      const bytes = await fs.readFile(abs);
      if (looksBinary(bytes))
        throw new ToolError(`${args.path} looks like a binary file (contains NUL bytes).`);
      const lines = splitLines(decodeUtf8(bytes).replaceAll("\r\n", "\n"));
      if (lines.length === 0) return { content: "[empty file]", origin: "file" };

      const start = (args.offset ?? 1) - 1;
      if (start >= lines.length) {
        throw new ToolError(`offset ${args.offset} is past the end of ${args.path} (${lines.length} lines).`);
      }
      const maxLines = Math.min(args.limit ?? READ_MAX_LINES, READ_MAX_LINES);
      const shown: string[] = [];
      let bytesUsed = 0;
      let byteCapped = false;
      let lineCut = false;
      for (let i = start; i < lines.length && shown.length < maxLines; i++) {
        const size = Buffer.byteLength(lines[i]) + 1;
        if (bytesUsed + size > READ_MAX_BYTES) {
          byteCapped = true;
          // A single line longer than the cap is cut rather than shown as nothing.
          if (shown.length === 0) {
            const buf = Buffer.from(lines[i]);
            shown.push(decodeUtf8(buf.subarray(0, utf8SafeEnd(buf, READ_MAX_BYTES))));
            lineCut = true;
          }
          break;
        }
        shown.push(lines[i]);
        bytesUsed += size;
      }
      const end = start + shown.length; // 1-based number of the last line shown
      const body = shown.join("\n");
      // Origin "file": the runtime's policy downgrades it to "tool" for files the agent wrote itself.
      if (end >= lines.length && !byteCapped) return { content: body, origin: "file" };
      const notes = [`showing lines ${start + 1}-${end} of ${lines.length}`];
      if (lineCut) notes.push(`line ${end} was cut; use exec (e.g. cut -c) to see all of it`);
      if (end < lines.length) notes.push(`call read with offset=${end + 1} to continue`);
      const cap = byteCapped ? ` at ${formatBytes(READ_MAX_BYTES)}` : "";
      return { content: `${body}\n\n[… truncated${cap}: ${notes.join("; ")}]`, origin: "file" };
    },
  };
}
