// Anthropic Messages API over SSE, with prompt caching: breakpoints on the system prompt, the
// last tool, and the last content block of the conversation.
import { type HttpClient, nodeHttpClient } from "./http.js";
import type { MessageBuilder } from "./message-builder.js";
import type {
  Message,
  ModelContext,
  ModelEvent,
  ModelSpec,
  StreamFn,
  StreamOptions,
  ThinkingBlock,
  ToolCallBlock,
} from "./types.js";
import {
  describeErrorInfo,
  isObject,
  isRetryableErrorInfo,
  type Json,
  mergeHeaders,
  num,
  str,
} from "./wire-json.js";
import { streamWire, type WireHandler, type WireRequest } from "./wire-stream.js";

const DEFAULT_MAX_TOKENS = 8192;
const ephemeral = () => ({ type: "ephemeral" });

interface WireMessage {
  role: "user" | "assistant";
  content: Json[];
}

/**
 * Converts our messages to wire messages with fixed key order. User text is always a block
 * array (never a bare string), so moving the cache marker to a later message changes no other
 * bytes of the earlier ones.
 */
export function toAnthropicMessages(messages: Message[]): WireMessage[] {
  const out: WireMessage[] = [];
  for (const m of messages) {
    if (m.role === "user") {
      // The API rejects empty text blocks.
      out.push({ role: "user", content: [{ type: "text", text: m.content || "(empty)" }] });
    } else if (m.role === "toolResult") {
      const block: Json = { type: "tool_result", tool_use_id: m.toolCallId };
      if (m.content !== "") block.content = m.content;
      if (m.isError) block.is_error = true;
      // All results of one assistant turn go back in one user message.
      const last = out.at(-1);
      if (last?.role === "user" && last.content.every((b) => b.type === "tool_result")) {
        last.content.push(block);
      } else {
        out.push({ role: "user", content: [block] });
      }
    } else {
      const content: Json[] = [];
      for (const b of m.content) {
        if (b.type === "text") {
          if (b.text !== "") content.push({ type: "text", text: b.text });
        } else if (b.type === "thinking") {
          // Unsigned thinking (from another provider, or cut short) cannot be verified: drop it.
          if (b.signature) content.push({ type: "thinking", thinking: b.thinking, signature: b.signature });
        } else {
          content.push({ type: "tool_use", id: b.id, name: b.name, input: b.arguments });
        }
      }
      if (content.length > 0) out.push({ role: "assistant", content });
    }
  }
  // Thinking blocks cannot carry cache_control; mark the last block that can.
  const last = out.at(-1)?.content.findLast((b) => b.type !== "thinking");
  if (last) last.cache_control = ephemeral();
  return out;
}

/** `${baseUrl}/v1/messages`, tolerating a trailing slash or a base that already ends in /v1. */
export function anthropicUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  return base.endsWith("/v1") ? `${base}/messages` : `${base}/v1/messages`;
}

/** Builds the HTTP request. `messages` is the last key, so earlier turns form a stable prefix. */
export function buildAnthropicRequest(
  model: ModelSpec,
  context: ModelContext,
  options: StreamOptions = {},
): WireRequest {
  const body: Json = {
    model: model.id,
    max_tokens: options.maxTokens ?? model.maxOutputTokens ?? DEFAULT_MAX_TOKENS,
    stream: true,
  };
  if (model.temperature !== undefined) body.temperature = model.temperature;
  for (const [k, v] of Object.entries(model.compat?.extraBody ?? {})) {
    if (k !== "system" && k !== "tools" && k !== "messages") body[k] = v;
  }
  if (context.systemPrompt) {
    body.system = [{ type: "text", text: context.systemPrompt, cache_control: ephemeral() }];
  }
  if (context.tools.length > 0) {
    body.tools = context.tools.map((t, i) => {
      const tool: Json = { name: t.name, description: t.description, input_schema: t.parameters };
      if (i === context.tools.length - 1) tool.cache_control = ephemeral();
      return tool;
    });
  }
  body.messages = toAnthropicMessages(context.messages);
  const headers = mergeHeaders(
    { "content-type": "application/json", accept: "text/event-stream", "anthropic-version": "2023-06-01" },
    model.apiKey ? { "x-api-key": model.apiKey } : undefined,
    model.headers,
    options.headers,
  );
  return { url: anthropicUrl(model.baseUrl), headers, body: JSON.stringify(body) };
}

/** Reads the usage fields present; message_delta may repeat or update message_start's counts. */
function readUsage(u: Json, b: MessageBuilder): void {
  b.usage.input = num(u.input_tokens) ?? b.usage.input;
  b.usage.output = num(u.output_tokens) ?? b.usage.output;
  b.usage.cacheRead = num(u.cache_read_input_tokens) ?? b.usage.cacheRead;
  b.usage.cacheWrite = num(u.cache_creation_input_tokens) ?? b.usage.cacheWrite;
}

function applyStop(reason: string, b: MessageBuilder): void {
  if (reason === "max_tokens" || reason === "model_context_window_exceeded") b.stopReason = "length";
  else if (reason === "tool_use") b.stopReason = "toolUse";
  else if (reason === "refusal") b.fail("the model declined to respond (stop_reason refusal)", false);
  else b.stopReason = "stop";
}

type OpenBlock =
  | { kind: "text"; block: { text: string } }
  | { kind: "thinking"; block: { thinking: string; signature?: string } }
  | { kind: "tool"; block: ToolCallBlock };

/** Per-response SSE handler; deltas address blocks by the wire's block index. */
function anthropicHandler(): WireHandler {
  const open = new Map<number, OpenBlock>();

  const startBlock = (index: number, cb: Json, b: MessageBuilder, out: ModelEvent[]) => {
    if (cb.type === "text") {
      const block = b.startBlock({ type: "text", text: str(cb.text) ?? "" });
      open.set(index, { kind: "text", block });
      if (block.text) out.push({ type: "text_delta", delta: block.text });
    } else if (cb.type === "thinking") {
      const block = b.startBlock<ThinkingBlock>({ type: "thinking", thinking: str(cb.thinking) ?? "" });
      if (str(cb.signature)) block.signature = cb.signature as string;
      open.set(index, { kind: "thinking", block });
      if (block.thinking) out.push({ type: "thinking_delta", delta: block.thinking });
    } else if (cb.type === "tool_use") {
      const block = b.startToolCall(str(cb.id) ?? `toolu_${index}`, str(cb.name) ?? "");
      open.set(index, { kind: "tool", block });
      out.push({ type: "toolcall_start", id: block.id, name: block.name });
      // Input normally streams as JSON text; a non-empty initial input would otherwise be lost.
      if (isObject(cb.input) && Object.keys(cb.input).length > 0) b.toolArgs(block, JSON.stringify(cb.input));
    }
    // redacted_thinking, server tool blocks: not in our model, ignored.
  };

  const delta = (entry: OpenBlock | undefined, d: Json, b: MessageBuilder, out: ModelEvent[]) => {
    if (!entry) return;
    if (entry.kind === "text" && d.type === "text_delta" && str(d.text)) {
      entry.block.text += d.text as string;
      out.push({ type: "text_delta", delta: d.text as string });
    } else if (entry.kind === "thinking" && d.type === "thinking_delta" && str(d.thinking)) {
      entry.block.thinking += d.thinking as string;
      out.push({ type: "thinking_delta", delta: d.thinking as string });
    } else if (entry.kind === "thinking" && d.type === "signature_delta" && str(d.signature)) {
      entry.block.signature = (entry.block.signature ?? "") + (d.signature as string);
    } else if (entry.kind === "tool" && d.type === "input_json_delta" && str(d.partial_json)) {
      b.toolArgs(entry.block, d.partial_json as string);
      out.push({ type: "toolcall_delta", id: entry.block.id, delta: d.partial_json as string });
    }
  };

  return {
    event(ev, b) {
      let data: unknown;
      try {
        data = JSON.parse(ev.data);
      } catch {
        data = ev.event === "error" ? { type: "error", error: { message: ev.data } } : undefined;
      }
      if (!isObject(data)) return undefined;
      const out: ModelEvent[] = [];
      const index = num(data.index) ?? -1;
      switch (str(data.type) ?? ev.event) {
        case "message_start":
          if (isObject(data.message) && isObject(data.message.usage)) readUsage(data.message.usage, b);
          break;
        case "content_block_start":
          if (isObject(data.content_block)) startBlock(index, data.content_block, b, out);
          break;
        case "content_block_delta":
          if (isObject(data.delta)) delta(open.get(index), data.delta, b, out);
          break;
        case "content_block_stop":
          open.delete(index);
          break;
        case "message_delta":
          if (isObject(data.delta) && str(data.delta.stop_reason)) {
            // The stop reason is the substance of completion; message_stop is only framing.
            b.completed = true;
            applyStop(data.delta.stop_reason as string, b);
          }
          if (isObject(data.usage)) readUsage(data.usage, b);
          break;
        case "message_stop":
          b.completed = true;
          b.ended = true;
          break;
        case "error": {
          const err = isObject(data.error) ? data.error : data;
          b.fail(
            `provider error mid-stream: ${describeErrorInfo(err) ?? ev.data}`,
            isRetryableErrorInfo(err),
          );
          b.ended = true;
          break;
        }
      }
      return out;
    },
  };
}

/** Creates the Messages stream function over a given transport (tests inject a fake). */
export function createAnthropicStream(http: HttpClient = nodeHttpClient): StreamFn {
  return (model, context, options = {}) =>
    streamWire(
      model,
      options,
      http,
      () => buildAnthropicRequest(model, context, options),
      anthropicHandler(),
    );
}

/** Messages stream function on the default node:http transport. */
export const streamAnthropic: StreamFn = createAnthropicStream();
