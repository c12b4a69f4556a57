// The two model calls of a compaction: extracting durable facts (flushed to memory first) and
// summarising. Both see the part being replaced as a plain transcript, with no tools offered, and
// fail by throwing (the compactor turns that into a refusal).
import type { Message, ModelSpec, StreamFn } from "../models/types.js";
import { assistantText } from "../models/types.js";

const FACTS_PROMPT = `You extract facts worth remembering from a conversation excerpt that is about to be removed from an agent's context.
Keep only what will matter later: the user's preferences and instructions, decisions and their reasons, names, dates, numbers, file paths, results of work, commitments and open tasks.
Answer with one fact per line, each line starting with "- ", each understandable on its own. If there is nothing worth keeping, answer exactly: NONE`;

const SUMMARY_PROMPT = `You write the summary that replaces the earlier part of an agent's conversation so the agent can continue its work.
Include: the goal, what was done (files changed, commands run and their results), decisions, what the user asked for, and what remains.
Keep exact names, paths, numbers and error messages. Be concise. Answer with the summary only.`;

/** Longest tool result quoted in a transcript; the summary needs the gist, not the bytes. */
const MAX_RESULT_CHARS = 2000;

/** The facts worth keeping from `older` (empty when the model finds none). */
export async function extractFacts(
  model: ModelSpec,
  stream: StreamFn,
  older: Message[],
  previousSummary: string | undefined,
  signal: AbortSignal,
): Promise<string[]> {
  const text = await call(model, stream, FACTS_PROMPT, transcript(older, previousSummary), signal);
  if (text.trim() === "NONE") return [];
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^[-*•]\s+\S/.test(l))
    .map((l) => l.replace(/^[-*•]\s+/, ""));
}

/** A summary of `older` (folding in the previous summary, if any). */
export async function summarize(
  model: ModelSpec,
  stream: StreamFn,
  older: Message[],
  previousSummary: string | undefined,
  signal: AbortSignal,
): Promise<string> {
  const text = (await call(model, stream, SUMMARY_PROMPT, transcript(older, previousSummary), signal)).trim();
  if (text === "") throw new Error("the model returned an empty summary");
  return text;
}

async function call(
  model: ModelSpec,
  stream: StreamFn,
  systemPrompt: string,
  input: string,
  signal: AbortSignal,
): Promise<string> {
  let final: Message | undefined;
  for await (const ev of stream(
    model,
    { systemPrompt, messages: [{ role: "user", content: input, origin: "system" }], tools: [] },
    { signal },
  )) {
    if (ev.type === "done") final = ev.message;
  }
  if (final?.role !== "assistant") throw new Error("the model call ended without a message");
  if (final.stopReason === "error" || final.stopReason === "aborted")
    throw new Error(final.errorMessage ?? `model call ${final.stopReason}`);
  return assistantText(final);
}

/** The messages as plain text, tool results cut to MAX_RESULT_CHARS. */
export function transcript(messages: Message[], previousSummary?: string): string {
  const parts: string[] = [];
  if (previousSummary) parts.push(`[Summary of what came before]\n${previousSummary}`);
  for (const m of messages) {
    if (m.role === "user") parts.push(`USER: ${m.content}`);
    else if (m.role === "toolResult") {
      const body =
        m.content.length > MAX_RESULT_CHARS ? `${m.content.slice(0, MAX_RESULT_CHARS)}… [cut]` : m.content;
      parts.push(`TOOL RESULT (${m.toolName}${m.isError ? ", error" : ""}): ${body}`);
    } else {
      for (const b of m.content) {
        if (b.type === "text" && b.text.trim()) parts.push(`ASSISTANT: ${b.text}`);
        else if (b.type === "toolCall")
          parts.push(`ASSISTANT CALLS ${b.name} ${JSON.stringify(b.arguments).slice(0, 500)}`);
      }
    }
  }
  return parts.join("\n\n");
}
