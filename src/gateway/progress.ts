// What the session log says about one inbound message: whether its run started, finished or
// already answered, and how many steps completed. The log is the source of truth for recovery and
// for replies, so a reply is derived from it rather than remembered (none is sent twice).
import type { AssistantMessage, Message } from "../models/types.js";
import type { Entry } from "../runtime/session-store.js";

/** Content prefix of the result the runtime writes for a tool call a crash interrupted. */
const INTERRUPTED = "Error: interrupted";

/** Progress of one message (or of the run that hosted it). */
export interface MessageProgress {
  /** A run_start for this message exists. */
  started: boolean;
  /** The user message itself is in the log (after its run_start). */
  inputStored: boolean;
  /** One of its runs reached run_end. */
  completed: boolean;
  /** The log's last message for it is a final assistant answer (the run died before run_end). */
  answered: boolean;
  /** Steps whose tool calls all got real (not crash-repaired) results: the idempotency step base. */
  completedSteps: number;
  /** The answer to it: the last assistant text after its user message, before the next user message. */
  reply: string;
}

/** Entries of the runs recorded for `messageId` (each run_start with that id, up to the next run_start). */
export function runEntries(entries: Entry[], messageId: string): Entry[] {
  const out: Entry[] = [];
  let inside = false;
  for (const e of entries) {
    if (e.kind === "run_start") inside = (e.data as { messageId?: unknown }).messageId === messageId;
    if (inside) out.push(e);
  }
  return out;
}

/** Reads the log for `messageId`; `text` identifies its user message. */
export function messageProgress(entries: Entry[], messageId: string, text: string): MessageProgress {
  const mine = runEntries(entries, messageId);
  const messages = mine.filter((e) => e.kind === "message").map((e) => e.data as Message);
  const last = messages.at(-1);
  const results = new Map<string, boolean>();
  for (const m of messages)
    if (m.role === "toolResult") results.set(m.toolCallId, !m.content.startsWith(INTERRUPTED));
  let completedSteps = 0;
  for (const m of messages) {
    if (m.role !== "assistant") continue;
    const calls = m.content.filter((b) => b.type === "toolCall");
    if (calls.length > 0 && calls.every((c) => results.get(c.id) === true)) completedSteps++;
  }
  const reply = replyIn(messages, text);
  return {
    started: mine.length > 0,
    inputStored: messages.some((m) => m.role === "user" && m.content === text),
    completed: mine.some((e) => e.kind === "run_end"),
    answered: last?.role === "assistant" && isFinalAnswer(last),
    completedSteps,
    reply,
  };
}

function isFinalAnswer(m: AssistantMessage): boolean {
  return (
    m.stopReason !== "error" && m.stopReason !== "aborted" && !m.content.some((b) => b.type === "toolCall")
  );
}

function assistantTextOf(m: AssistantMessage): string {
  return m.content
    .map((b) => (b.type === "text" ? b.text : ""))
    .join("")
    .trim();
}

/** The reply to the user message with `text` in the runs of `hostId` (the host or a guest's text). */
export function replyTo(entries: Entry[], hostId: string, text: string): string {
  const messages = runEntries(entries, hostId)
    .filter((e) => e.kind === "message")
    .map((e) => e.data as Message);
  return replyIn(messages, text);
}

function replyIn(messages: Message[], text: string): string {
  let start = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role === "user" && m.content === text) {
      start = i;
      break;
    }
  }
  let reply = "";
  for (let i = start + 1; start >= 0 && i < messages.length; i++) {
    const m = messages[i];
    if (m.role === "user") break;
    if (m.role === "assistant") reply = assistantTextOf(m) || reply;
  }
  return reply;
}
