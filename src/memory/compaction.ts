// Compaction as a context transform (LoopConfig.transformContext). When the context nears the model's
// window, the older messages are replaced by a summary, and the recent ones are kept verbatim. Order
// is fixed and has no other path: (1) a model call extracts the facts worth keeping from the part
// about to be replaced, (2) they are written to memory — if either fails, compaction is refused and
// the context goes out unchanged — (3) a model call writes the summary, (4) the compaction is
// recorded (in the session, so a run can be replayed and continued from it).
//
// The cut never separates a tool call from its result: the kept part starts at a user or assistant
// message, and every tool result follows its assistant message. After a compaction the view is
// [summary, ...messages from the cut], the same bytes on every later call, so the prompt-cache
// prefix is stable again until the next compaction.
import type { Message, ModelSpec, StreamFn, UserMessage } from "../models/types.js";
import { extractFacts, summarize } from "./compaction-calls.js";

/** A compaction as recorded in the session. */
export interface CompactionRecord {
  summary: string;
  /** Index (in the session's message list) of the first message kept verbatim. */
  firstKept: number;
  /** Number of messages when it happened: later assistant usage measures the compacted view. */
  messagesAtCompaction: number;
  /** The facts flushed to memory before the summary was made. */
  facts: string[];
  /** Estimated tokens of the context before. */
  tokensBefore: number;
}

/** What the compactor needs. */
export interface CompactionConfig {
  model: ModelSpec;
  stream: StreamFn;
  /** The model's context window in tokens. */
  contextWindow: number;
  /** Compact when the estimated context passes this share of the window. Default 0.75. */
  threshold?: number;
  /** Tokens of recent context kept verbatim. Default a quarter of the window. */
  keepRecentTokens?: number;
  /** Characters of the system prompt and tool schemas (sent with every request). */
  fixedChars?: number;
  /** Writes the facts to memory; must throw when they could not be written. */
  flush(facts: string[], signal: AbortSignal): Promise<void>;
  /** Stores the compaction (e.g. as a session entry); must throw when it could not. */
  record(c: CompactionRecord): void;
  /** The session's last compaction, when continuing a session. */
  previous?: CompactionRecord;
  /** Told about each compaction and each refusal. */
  onEvent?(
    e: { type: "compacted"; record: CompactionRecord } | { type: "compaction_refused"; reason: string },
  ): void;
}

/** Rough tokens of a text when no usage is known. */
export const estimateTokens = (chars: number) => Math.ceil(chars / 4);

/** A transformContext function that compacts as described above. */
export function createCompactor(
  cfg: CompactionConfig,
): (messages: Message[], signal: AbortSignal) => Promise<Message[]> {
  let state = cfg.previous;
  const threshold = cfg.threshold ?? 0.75;
  const keepRecent = cfg.keepRecentTokens ?? Math.floor(cfg.contextWindow / 4);
  return async (messages, signal) => {
    const view = viewOf(messages, state);
    const tokens = contextTokens(messages, state, cfg.fixedChars ?? 0);
    if (tokens <= threshold * cfg.contextWindow) return view;
    const start = state?.firstKept ?? 0;
    const cut = chooseCut(messages, start, keepRecent);
    if (cut <= start) return view; // nothing old enough to replace
    const older = messages.slice(start, cut);
    let facts: string[];
    try {
      facts = await extractFacts(cfg.model, cfg.stream, older, state?.summary, signal);
      await cfg.flush(facts, signal);
    } catch (err) {
      cfg.onEvent?.({ type: "compaction_refused", reason: `memory flush failed: ${(err as Error).message}` });
      return view;
    }
    let summary: string;
    try {
      summary = await summarize(cfg.model, cfg.stream, older, state?.summary, signal);
    } catch (err) {
      cfg.onEvent?.({ type: "compaction_refused", reason: `summary failed: ${(err as Error).message}` });
      return view;
    }
    const record: CompactionRecord = {
      summary,
      firstKept: cut,
      messagesAtCompaction: messages.length,
      facts,
      tokensBefore: tokens,
    };
    try {
      cfg.record(record);
    } catch (err) {
      // An unrecorded compaction could not be replayed; the facts are already safe in memory.
      cfg.onEvent?.({
        type: "compaction_refused",
        reason: `could not record the compaction: ${(err as Error).message}`,
      });
      return view;
    }
    state = record;
    cfg.onEvent?.({ type: "compacted", record });
    return viewOf(messages, state);
  };
}

/** The messages the model sees: all of them, or the summary and the kept tail. */
export function viewOf(messages: Message[], state: CompactionRecord | undefined): Message[] {
  if (!state) return messages;
  const summary: UserMessage = {
    role: "user",
    content: `[Summary of the earlier conversation; its facts are also in memory]\n${state.summary}`,
    origin: "system",
  };
  return [summary, ...messages.slice(state.firstKept)];
}

/**
 * Tokens of the context: the usage of the last model call made on the current view (it counts
 * everything that call saw), plus an estimate of what came after it; else an estimate of it all.
 */
export function contextTokens(
  messages: Message[],
  state: CompactionRecord | undefined,
  fixedChars: number,
): number {
  const valid = state?.messagesAtCompaction ?? 0;
  for (let i = messages.length - 1; i >= valid; i--) {
    const m = messages[i];
    if (m.role === "assistant" && m.usage.input + m.usage.cacheRead > 0) {
      const u = m.usage;
      return u.input + u.cacheRead + u.cacheWrite + u.output + estimateTokens(chars(messages.slice(i + 1)));
    }
  }
  return estimateTokens(fixedChars + chars(viewOf(messages, state)));
}

/**
 * Where the kept part starts: far enough back to keep about `keepRecent` tokens, at a message that
 * is not a tool result (so no call loses its result), after `start`, and before the last message.
 */
export function chooseCut(messages: Message[], start: number, keepRecent: number): number {
  let kept = 0;
  let i = messages.length;
  while (i > start + 1 && kept < keepRecent) kept += estimateTokens(chars([messages[--i]]));
  i = Math.min(i, messages.length - 1);
  while (i > start && messages[i].role === "toolResult") i--;
  return i;
}

function chars(messages: Message[]): number {
  let n = 0;
  for (const m of messages) {
    if (m.role === "assistant") {
      for (const b of m.content)
        n +=
          b.type === "text"
            ? b.text.length
            : b.type === "thinking"
              ? b.thinking.length
              : JSON.stringify(b.arguments).length + b.name.length;
    } else n += m.content.length;
  }
  return n;
}
