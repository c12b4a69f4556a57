// The `edit` tool: replace one exact occurrence of a text. Exactly-once keeps edits unambiguous;
// the error messages are written to get the model to a matching old_text in one more try.
import { type Tool, ToolError } from "../loop/tool.js";
import type { JsonSchema } from "../util/json-schema.js";
import { createHostFs, type FsOps } from "./fs-ops.js";
import { writeEffects } from "./sensitive-paths.js";
import { decodeUtf8, lineAt, looksBinary, MAX_TEXT_FILE_BYTES, splitLines } from "./text.js";
import type { Workspace } from "./workspace.js";

/** Arguments of `edit`, as guaranteed by its schema. */
export interface EditArgs {
  path: string;
  old_text: string;
  new_text: string;
}

const parameters: JsonSchema = {
  type: "object",
  properties: { path: { type: "string" }, old_text: { type: "string" }, new_text: { type: "string" } },
  required: ["path", "old_text", "new_text"],
  additionalProperties: false,
};

const MAX_LINES_LISTED = 20;

/** Replaces the single occurrence of old_text; matching is on LF text and CRLF files stay CRLF. */
export function createEditTool(opts: { workspace: Workspace; fs?: FsOps }): Tool<EditArgs> {
  const { workspace } = opts;
  const fs = opts.fs ?? createHostFs();
  return {
    name: "edit",
    description: "Replace old_text with new_text in a file; old_text must match exactly once.",
    parameters,
    effects: (args: EditArgs) => writeEffects(workspace, args.path),
    async execute(args: EditArgs) {
      const abs = workspace.resolve(args.path, { forWrite: true });
      const info = await fs.stat(abs);
      if (!info)
        throw new ToolError(`File not found: ${args.path}. Use write to create it, or list to look around.`);
      if (info.kind !== "file") throw new ToolError(`${args.path} is not a regular file.`);
      if (info.size > MAX_TEXT_FILE_BYTES)
        throw new ToolError(`${args.path} is too large to edit here; use exec.`);
      const bytes = await fs.readFile(abs);
      if (looksBinary(bytes))
        throw new ToolError(`${args.path} looks like a binary file; it cannot be edited as text.`);

      const raw = decodeUtf8(bytes);
      const crlf = raw.includes("\r\n");
      const text = crlf ? raw.replaceAll("\r\n", "\n") : raw;
      const oldText = args.old_text.replaceAll("\r\n", "\n");
      const newText = args.new_text.replaceAll("\r\n", "\n");
      if (oldText === "")
        throw new ToolError("old_text is empty; use write to create or overwrite a whole file.");
      if (oldText === newText) throw new ToolError("old_text and new_text are identical; nothing to change.");

      const { count, first: at } = findMatches(text, oldText);
      if (count === 0) throw new ToolError(notFoundMessage(args.path, text, oldText));
      if (count > 1) {
        const lines = at.map((i) => lineAt(text, i));
        throw new ToolError(
          `old_text matches ${count} times in ${args.path} (${listLines(lines, count)}); ` +
            "include more surrounding lines so it matches exactly once.",
        );
      }
      // Spliced by index: String.replace would interpret `$&` and friends in new_text.
      const updated = text.slice(0, at[0]) + newText + text.slice(at[0] + oldText.length);
      await fs.writeFile(abs, crlf ? updated.replaceAll("\n", "\r\n") : updated);
      const first = lineAt(text, at[0]);
      const last = first + Math.max(splitLines(newText).length - 1, 0);
      const where = first === last ? `line ${first}` : `lines ${first}-${last}`;
      return { content: `Edited ${workspace.relative(abs)}: replaced 1 occurrence (now ${where}).` };
    },
  };
}

// Overlapping matches count: "aa" in "aaa" is ambiguous too.
function findMatches(text: string, needle: string): { count: number; first: number[] } {
  const first: number[] = [];
  let count = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1), count++) {
    if (first.length < MAX_LINES_LISTED) first.push(i);
  }
  return { count, first };
}

const squash = (line: string) => line.trim().replace(/\s+/g, " ");

// When the exact text is absent, the usual cause is indentation or whitespace drift: point at the
// lines where a whitespace-insensitive match (or at least the first line) occurs.
function notFoundMessage(path: string, text: string, oldText: string): string {
  const base = `old_text was not found in ${path}. It must match exactly, including whitespace and indentation.`;
  const want = splitLines(oldText).map(squash);
  while (want.length > 0 && want[0] === "") want.shift();
  while (want.length > 0 && want[want.length - 1] === "") want.pop();
  if (want.length === 0) return base;
  const have = splitLines(text).map(squash);
  const near: number[] = [];
  for (let i = 0; i + want.length <= have.length; i++) {
    if (want.every((w, j) => have[i + j] === w)) near.push(i + 1);
  }
  if (near.length > 0) {
    return `${base} Ignoring whitespace it matches at ${listLines(near)}; read those lines and copy them exactly.`;
  }
  const firstLine = have.flatMap((h, i) => (h === want[0] ? [i + 1] : []));
  if (firstLine.length > 0 && want.length > 1) {
    return `${base} Its first line occurs at ${listLines(firstLine)}, but the following lines differ; read the file and copy the text.`;
  }
  return `${base} Read the file and copy the text you want to replace.`;
}

function listLines(lines: number[], total = lines.length): string {
  const shown = lines.slice(0, MAX_LINES_LISTED).join(", ");
  return `${total === 1 ? "line" : "lines"} ${shown}${total > MAX_LINES_LISTED ? ", …" : ""}`;
}
