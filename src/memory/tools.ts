// The agent's memory tools: memory_search, memory_get, memory_write. Their schemas are tiny (they
// are on every request) and this file imports no memory code: the index, the stemmer and SQLite
// load on the first call, through `open`, so a run that never touches memory never pays for it.
import type { AnyTool, Tool } from "../loop/tool.js";
import { ToolError } from "../loop/tool.js";
import type { Memory } from "./memory.js";
import type { MemoryHit } from "./types.js";

/** Opens (once) the workspace's memory; called on first use. */
export type OpenMemory = () => Promise<Memory>;

interface SearchArgs {
  query: string;
  limit?: number;
  from?: string;
  to?: string;
}
interface GetArgs {
  source: string;
  from?: number;
  to?: number;
}
interface WriteArgs {
  text: string;
  longterm?: boolean;
}

const day = { type: "string", description: "YYYY-MM-DD" };

/** memory_search, memory_get and memory_write over the memory `open` returns. */
export function createMemoryTools(open: OpenMemory, now: () => number = Date.now): AnyTool[] {
  const search: Tool<SearchArgs> = {
    name: "memory_search",
    description: "Search memory notes and past conversations.",
    parameters: {
      type: "object",
      properties: {
        query: { type: "string" },
        limit: { type: "integer", minimum: 1, maximum: 20 },
        from: day,
        to: day,
      },
      required: ["query"],
      additionalProperties: false,
    },
    async execute(args, ctx) {
      const from = args.from !== undefined ? parseDay(args.from, "from") : undefined;
      const to = args.to !== undefined ? parseDay(args.to, "to") + 86_399_999 : undefined;
      const memory = await open();
      const hits = await memory.search(args.query, {
        limit: args.limit ?? 6,
        now: now(),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      return {
        content: hits.length ? hits.map(formatHit).join("\n\n") : "No matching memories.",
        origin: "memory",
      };
    },
  };
  const get: Tool<GetArgs> = {
    name: "memory_get",
    description: "Read lines of a memory file or turns of a conversation found by memory_search.",
    parameters: {
      type: "object",
      properties: {
        source: { type: "string" },
        from: { type: "integer", minimum: 1 },
        to: { type: "integer", minimum: 1 },
      },
      required: ["source"],
      additionalProperties: false,
    },
    async execute(args) {
      const memory = await open();
      try {
        return { content: memory.get(args.source, args.from ?? 1, args.to), origin: "memory" };
      } catch (err) {
        throw new ToolError((err as Error).message);
      }
    },
  };
  const write: Tool<WriteArgs> = {
    name: "memory_write",
    description: "Save a fact to today's memory note; longterm: to MEMORY.md (durable facts, preferences).",
    parameters: {
      type: "object",
      properties: { text: { type: "string" }, longterm: { type: "boolean" } },
      required: ["text"],
      additionalProperties: false,
    },
    async execute(args) {
      const memory = await open();
      try {
        const file = memory.write(args.text, {
          target: args.longterm ? "longterm" : "note",
          origin: "agent",
        });
        return { content: `Saved to ${file}.` };
      } catch (err) {
        throw new ToolError((err as Error).message);
      }
    },
  };
  return [search, get, write];
}

function parseDay(s: string, name: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  const t = m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) : Number.NaN;
  if (Number.isNaN(t)) throw new ToolError(`${name} must be a date like 2024-03-05.`);
  return t;
}

/** One hit as the model reads it: where, when, then the text. */
export function formatHit(h: MemoryHit, i: number): string {
  const where = h.kind === "file" ? `${h.source} ${h.ref}` : `session ${h.source} #${h.turn} ${h.role}`;
  const when = h.date ? ` · ${h.date.slice(0, 16).replace("T", " ")}` : "";
  return `${i + 1}. ${where}${when}\n${h.text}`;
}
