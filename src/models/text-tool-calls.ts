// Recovery of tool calls that a server left in the text (Hermes/Qwen `<tool_call>{…}</tool_call>`),
// for local servers started without a tool-call parser. Opt-in per model (compat.textToolCalls):
// on a server that does parse tool calls, text that merely mentions the tag must stay text.
import type { AssistantMessage, ModelEvent, TextBlock, ThinkingBlock, ToolCallBlock } from "./types.js";
import { argumentsText, isObject, parseJson, parseToolArguments, str } from "./wire-json.js";

/** A closing tag is optional: a model may stop (or be stopped) right before it. */
const TOOL_CALL = /<tool_call>([\s\S]*?)(?:<\/tool_call>|$)/g;
const FENCE = /^```(?:json)?\s*([\s\S]*?)\s*```$/;

/** Parses the inside of one `<tool_call>` block into calls; unparseable text becomes an invalid call. */
function parseBlock(inner: string, nextId: () => string): ToolCallBlock[] {
  const trimmed = inner.trim();
  const json = trimmed.replace(FENCE, "$1");
  const parsed = parseJson(json);
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const calls: ToolCallBlock[] = [];
  for (const item of items) {
    const fn = isObject(item) && isObject(item.function) ? item.function : item;
    const name = isObject(fn) ? str(fn.name) : undefined;
    if (!isObject(fn) || !name) {
      // Give the model its own text back, so the tool error it receives lets it retry.
      const guessed = /"name"\s*:\s*"([^"]+)"/.exec(trimmed)?.[1] ?? "unknown";
      return [{ type: "toolCall", id: nextId(), name: guessed, arguments: {}, invalidArguments: trimmed }];
    }
    const args = fn.arguments ?? fn.parameters;
    const call: ToolCallBlock = { type: "toolCall", id: nextId(), name, arguments: {} };
    if (typeof args === "string") Object.assign(call, parseToolArguments(args));
    else if (isObject(args)) call.arguments = args;
    else if (args !== undefined) call.invalidArguments = JSON.stringify(args);
    calls.push(call);
  }
  return calls;
}

/** Splits a leading `<think>…</think>` (or a bare `…</think>` whose opener was in the prompt). */
function splitThink(text: string): { thinking?: string; rest: string } {
  const open = /^\s*<think>/.exec(text);
  const closeAt = text.indexOf("</think>");
  if (!open && closeAt === -1) return { rest: text };
  const from = open ? open[0].length : 0;
  if (closeAt === -1) return { thinking: text.slice(from).trim(), rest: "" };
  if (closeAt < from) return { rest: text };
  return { thinking: text.slice(from, closeAt).trim(), rest: text.slice(closeAt + "</think>".length) };
}

/**
 * Moves `<tool_call>` blocks out of the text into toolCall blocks (appended after existing
 * content) and a leading think section into a thinking block. Returns the calls it recovered.
 */
export function recoverTextToolCalls(
  message: AssistantMessage,
  idPrefix: string,
): { message: AssistantMessage; recovered: ToolCallBlock[] } {
  if (message.stopReason === "error" || message.stopReason === "aborted") return { message, recovered: [] };
  let n = 0;
  const nextId = () => `call_text_${n++}_${idPrefix}`;
  const content: (TextBlock | ThinkingBlock | ToolCallBlock)[] = [];
  const recovered: ToolCallBlock[] = [];
  let first = true;
  let changed = false;
  for (const block of message.content) {
    if (block.type !== "text") {
      content.push(block);
      continue;
    }
    let text = block.text;
    const before = recovered.length;
    const think = first ? splitThink(text) : { rest: text };
    first = false;
    if (think.thinking) content.push({ type: "thinking", thinking: think.thinking });
    text = think.rest.replace(TOOL_CALL, (_, inner: string) => {
      recovered.push(...parseBlock(inner, nextId));
      return "";
    });
    if (think.thinking === undefined && recovered.length === before) {
      content.push(block);
      continue;
    }
    changed = true;
    if (text.trim() !== "") content.push({ type: "text", text: text.trim() });
  }
  if (!changed) return { message, recovered };
  const stopReason = recovered.length > 0 ? "toolUse" : message.stopReason;
  return { message: { ...message, content: [...content, ...recovered], stopReason }, recovered };
}

/** Wraps a provider stream: the final message gets recovery, and recovered calls get their events. */
export async function* withTextToolCalls(
  events: AsyncIterable<ModelEvent>,
  idPrefix: string,
): AsyncGenerator<ModelEvent> {
  for await (const ev of events) {
    if (ev.type !== "done") {
      yield ev;
      continue;
    }
    const { message, recovered } = recoverTextToolCalls(ev.message, idPrefix);
    for (const call of recovered) {
      yield { type: "toolcall_start", id: call.id, name: call.name };
      yield { type: "toolcall_delta", id: call.id, delta: argumentsText(call) };
    }
    yield { type: "done", message };
  }
}
