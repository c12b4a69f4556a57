// Provenance (taint) of the context. Every message carries an origin; content from the web, from
// files the agent did not write, from other people on channels and from memory is untrusted, and
// once any of it is in the context, the context is tainted for the rest of the session (the model
// still sees it). Everything here is derived from the message history, so it survives restarts.
import type { Message, Origin, ToolCallBlock, ToolResultMessage } from "../models/types.js";
import { normalizeRelPath } from "../tools/sensitive-paths.js";

/** Origins whose content may carry someone else's instructions. */
export const UNTRUSTED_ORIGINS: ReadonlySet<Origin> = new Set<Origin>(["web", "file", "channel", "memory"]);

/**
 * The origin of a message, or undefined for the model's own output. A user message without an
 * origin counts as "channel": an adapter that forgets to label a stranger's message must not make
 * it the owner's. Tool results default to "tool" (the loop's own default).
 */
export function messageOrigin(m: Message): Origin | undefined {
  if (m.role === "user") return m.origin ?? "channel";
  if (m.role === "toolResult") return m.origin ?? "tool";
  return undefined;
}

/** What the history says about trust. */
export interface HistoryView {
  /** Whether any untrusted content is in the context. */
  tainted: boolean;
  /** The untrusted origins present, first-seen order (for reasons shown to people). */
  sources: Origin[];
  /** Owner and system content: what arguments are proven against. */
  trustedText: string;
  /** Workspace paths (normalized) whose whole content the agent wrote while the context was clean. */
  cleanWrites: Set<string>;
  /** Text the agent put in each path this session (writes and edits' new text, concatenated). */
  written: Map<string, string>;
}

/** Inputs beside the messages: trusted prompt text, and untrusted content already in the prompt. */
export interface HistoryContext {
  trustedText?: readonly string[];
  initialTaint?: readonly Origin[];
}

/**
 * Reads the history in order. A file counts as the agent's own only when `write` replaced it whole
 * while nothing untrusted was in the context; an edit made under taint, or a later tainted write,
 * makes it untrusted again (its content may now carry injected text).
 */
export function analyzeHistory(messages: readonly Message[], ctx: HistoryContext = {}): HistoryView {
  const sources: Origin[] = [...new Set(ctx.initialTaint ?? [])].filter((o) => UNTRUSTED_ORIGINS.has(o));
  const trusted: string[] = [...(ctx.trustedText ?? [])];
  const cleanWrites = new Set<string>();
  const written = new Map<string, string>();
  const calls = new Map<string, { call: ToolCallBlock; tainted: boolean }>();
  for (const m of messages) {
    if (m.role === "assistant") {
      for (const b of m.content) {
        if (b.type !== "toolCall") continue;
        calls.set(b.id, { call: b, tainted: sources.length > 0 });
        const p = b.arguments.path;
        const text =
          b.name === "write" ? b.arguments.content : b.name === "edit" ? b.arguments.new_text : undefined;
        // Every attempt counts, failed or not: over-reading a script is safe, missing one is not.
        if (typeof p === "string" && typeof text === "string") {
          const rel = normalizeRelPath(p);
          written.set(rel, `${written.get(rel) ?? ""}${text}\n`);
        }
      }
      continue;
    }
    if (m.role === "toolResult") trackWrite(m, calls, cleanWrites);
    const origin = messageOrigin(m);
    if (origin === "owner" || origin === "system") trusted.push(m.content);
    if (origin && UNTRUSTED_ORIGINS.has(origin) && !sources.includes(origin)) sources.push(origin);
  }
  return { tainted: sources.length > 0, sources, trustedText: trusted.join("\n"), cleanWrites, written };
}

function trackWrite(
  result: ToolResultMessage,
  calls: Map<string, { call: ToolCallBlock; tainted: boolean }>,
  cleanWrites: Set<string>,
): void {
  const entry = calls.get(result.toolCallId);
  if (!entry || result.isError) return;
  const p = entry.call.arguments.path;
  if (typeof p !== "string") return;
  const rel = normalizeRelPath(p);
  if (entry.call.name === "write" && !entry.tainted) cleanWrites.add(rel);
  else if ((entry.call.name === "write" || entry.call.name === "edit") && entry.tainted)
    cleanWrites.delete(rel);
}

/**
 * The origin of a tool result once the policy knows what ran: `read` of a file the agent wrote
 * cleanly is "tool", other reads keep "file"; exec output is "web" when the command used the
 * network and "file" otherwise (a command can print any file, e.g. `cat README.md`, so its output
 * is treated like a read). Results of calls that did not run keep their origin.
 */
export function resultOrigin(
  call: ToolCallBlock,
  result: ToolResultMessage,
  info: { ran: boolean; view?: HistoryView; network?: boolean },
): Origin {
  const given = result.origin ?? "tool";
  if (!info.ran) return given;
  if (call.name === "exec") return info.network ? "web" : "file";
  if (
    call.name === "read" &&
    typeof call.arguments.path === "string" &&
    info.view?.cleanWrites.has(normalizeRelPath(call.arguments.path))
  )
    return "tool";
  return given;
}
