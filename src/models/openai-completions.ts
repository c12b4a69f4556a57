// OpenAI Chat Completions over SSE. One file for every server that speaks it (OpenAI, vLLM,
// SGLang, llama.cpp, Ollama, DeepSeek, Kimi, OpenRouter…); their quirks are compat flags.
import { randomBytes } from "node:crypto";
import { type HttpClient, nodeHttpClient } from "./http.js";
import type { MessageBuilder } from "./message-builder.js";
import { withTextToolCalls } from "./text-tool-calls.js";
import type { ModelContext, ModelEvent, ModelSpec, StreamFn, StreamOptions, ToolCallBlock } from "./types.js";
import {
  argumentsText,
  describeErrorInfo,
  isObject,
  isRetryableErrorInfo,
  type Json,
  mergeHeaders,
  num,
  str,
} from "./wire-json.js";
import { streamWire, type WireHandler, type WireRequest } from "./wire-stream.js";

/**
 * Converts our messages to wire messages. Every object is built with a fixed key order and no
 * spreading of caller objects, so a given message always serialises to the same bytes and a
 * conversation's request grows append-only (what servers' prefix caches key on).
 */
export function toOpenAIMessages(context: ModelContext): Json[] {
  const out: Json[] = [];
  if (context.systemPrompt) out.push({ role: "system", content: context.systemPrompt });
  for (const m of context.messages) {
    if (m.role === "user") {
      out.push({ role: "user", content: m.content });
    } else if (m.role === "toolResult") {
      out.push({ role: "tool", tool_call_id: m.toolCallId, content: m.content });
    } else {
      // Thinking is not sent back: most servers reject or ignore reasoning in history.
      const text = m.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("");
      const calls = m.content.filter((b): b is ToolCallBlock => b.type === "toolCall");
      if (text === "" && calls.length === 0) continue;
      const msg: Json = { role: "assistant", content: text === "" ? null : text };
      if (calls.length > 0) {
        msg.tool_calls = calls.map((c) => ({
          id: c.id,
          type: "function",
          function: { name: c.name, arguments: argumentsText(c) },
        }));
      }
      out.push(msg);
    }
  }
  return out;
}

/** Builds the HTTP request. `messages` is the last key, so earlier turns form a byte prefix. */
export function buildOpenAIRequest(
  model: ModelSpec,
  context: ModelContext,
  options: StreamOptions = {},
): WireRequest {
  const compat = model.compat ?? {};
  const body: Json = { model: model.id, stream: true };
  if (compat.streamUsage !== false) body.stream_options = { include_usage: true };
  const maxTokens = options.maxTokens ?? model.maxOutputTokens;
  if (maxTokens !== undefined) {
    body[compat.maxCompletionTokensField ? "max_completion_tokens" : "max_tokens"] = maxTokens;
  }
  if (model.temperature !== undefined) body.temperature = model.temperature;
  if (compat.tokenIds) {
    // Logprobs of the sampled tokens (OpenAI, vLLM, SGLang), and the token ids themselves
    // (vLLM >= 0.10.2, SGLang): `prompt_token_ids` once, `token_ids` per choice chunk.
    body.logprobs = true;
    body.return_token_ids = true;
  }
  // Extra fields may override ours, but never tools/messages, which must stay last (see above).
  for (const [k, v] of Object.entries(compat.extraBody ?? {})) {
    if (k !== "tools" && k !== "messages") body[k] = v;
  }
  if (context.tools.length > 0) {
    body.tools = context.tools.map((t) => ({
      type: "function",
      function: { name: t.name, description: t.description, parameters: t.parameters },
    }));
  }
  body.messages = toOpenAIMessages(context);
  const headers = mergeHeaders(
    { "content-type": "application/json", accept: "text/event-stream" },
    model.apiKey ? { authorization: `Bearer ${model.apiKey}` } : undefined,
    model.headers,
    options.headers,
  );
  return {
    url: `${model.baseUrl.replace(/\/+$/, "")}/chat/completions`,
    headers,
    body: JSON.stringify(body),
  };
}

/** Reads a usage object: OpenAI `prompt_tokens_details`, DeepSeek cache hit/miss, OpenRouter cost. */
function readUsage(u: Json, b: MessageBuilder): void {
  const details = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  const hit = num(u.prompt_cache_hit_tokens);
  const cached = num(details.cached_tokens) ?? hit ?? 0;
  const prompt = num(u.prompt_tokens) ?? (hit ?? 0) + (num(u.prompt_cache_miss_tokens) ?? 0);
  // prompt_tokens includes cached tokens; our `input` does not.
  b.usage.input = Math.max(0, prompt - cached);
  b.usage.cacheRead = cached;
  b.usage.output = num(u.completion_tokens) ?? 0;
  const cost = num(u.cost);
  if (cost !== undefined) b.reportedCost = cost;
}

function applyFinish(reason: string, b: MessageBuilder): void {
  b.completed = true;
  if (reason === "length") b.stopReason = "length";
  else if (reason === "tool_calls" || reason === "function_call") b.stopReason = "toolUse";
  else if (reason === "content_filter") b.fail("response blocked by the provider's content filter", false);
  // OpenRouter ends a failed upstream stream with finish_reason "error" (after an error object).
  else if (reason === "error") b.fail("provider reported an error mid-stream", true);
  else b.stopReason = "stop";
}

interface PendingCall {
  block: ToolCallBlock;
  /** toolcall_start is held back until the name is known; argument text waits with it. */
  started: boolean;
  held: string;
}

/** A list of numbers, or undefined when the value is anything else (never coerced). */
function numbers(v: unknown): number[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x))
    ? (v as number[])
    : undefined;
}

/**
 * Reads token-level details off one choice of a chunk, as sent: the generated ids (`token_ids`
 * on the choice or its delta; `response_token_ids` of some SGLang builds) and
 * `logprobs.content[].logprob`. The prompt's ids come once per response, on the chunk itself.
 */
function readTokens(choice: Json, delta: Json, b: MessageBuilder): void {
  const ids = numbers(choice.token_ids) ?? numbers(delta.token_ids) ?? numbers(choice.response_token_ids);
  if (ids && ids.length > 0) b.completionTokenIds(ids);
  const lp = isObject(choice.logprobs) ? choice.logprobs.content : undefined;
  if (Array.isArray(lp)) {
    const values = lp.flatMap((t) => (isObject(t) && typeof t.logprob === "number" ? [t.logprob] : []));
    if (values.length > 0) b.tokenLogprobs(values);
  }
}

/**
 * Per-response SSE handler. `nonce` makes generated tool-call ids unique across responses;
 * `tokens` keeps token ids and logprobs (only when they were asked for).
 */
function openAIHandler(nonce: string, tokens = false): WireHandler {
  const calls = new Map<number, PendingCall>();
  const all: PendingCall[] = [];
  let lastIndex = -1;

  const start = (c: PendingCall, out: ModelEvent[]) => {
    c.started = true;
    out.push({ type: "toolcall_start", id: c.block.id, name: c.block.name });
    if (c.held) out.push({ type: "toolcall_delta", id: c.block.id, delta: c.held });
    c.held = "";
  };

  const toolDelta = (tc: Json, b: MessageBuilder, out: ModelEvent[]) => {
    const fn = isObject(tc.function) ? tc.function : {};
    const id = str(tc.id) || undefined;
    let index = num(tc.index);
    // Servers that omit `index` identify calls by id, or continue the latest call.
    if (index === undefined) {
      const known = id ? [...calls].find(([, c]) => c.block.id === id) : undefined;
      if (known) index = known[0];
      else if (id || lastIndex < 0) index = Math.max(-1, ...calls.keys()) + 1;
      else index = lastIndex;
    }
    lastIndex = index;
    let c = calls.get(index);
    // A different id at a known index is a new call from a server that reuses indexes.
    if (!c || (id && c.started && id !== c.block.id && str(fn.name))) {
      c = { block: b.startToolCall(id ?? `call_${all.length}_${nonce}`, ""), started: false, held: "" };
      calls.set(index, c);
      all.push(c);
    } else if (id && !c.started) {
      c.block.id = id;
    }
    if (!c.block.name && str(fn.name)) c.block.name = fn.name as string;
    // A few servers send arguments as an object instead of JSON text.
    const args =
      typeof fn.arguments === "string"
        ? fn.arguments
        : isObject(fn.arguments)
          ? JSON.stringify(fn.arguments)
          : "";
    if (args) b.toolArgs(c.block, args);
    if (c.started) {
      if (args) out.push({ type: "toolcall_delta", id: c.block.id, delta: args });
    } else {
      c.held += args;
      if (c.block.name) start(c, out);
    }
  };

  return {
    event(ev, b) {
      if (ev.data.trim() === "[DONE]") {
        b.completed = true;
        b.ended = true;
        return undefined;
      }
      let chunk: unknown;
      try {
        chunk = JSON.parse(ev.data);
      } catch {
        if (ev.event !== "error") return undefined; // Keep-alive noise; real servers send JSON.
        chunk = { error: { message: ev.data } };
      }
      if (!isObject(chunk)) return undefined;
      // OpenAI-style error chunk, OpenRouter's error beside choices, or an `event: error` frame.
      if (ev.event === "error" || isObject(chunk.error) || typeof chunk.error === "string") {
        const err = isObject(chunk.error) ? chunk.error : chunk;
        b.fail(`provider error mid-stream: ${describeErrorInfo(err) ?? ev.data}`, isRetryableErrorInfo(err));
        b.ended = true;
        return undefined;
      }
      if (isObject(chunk.usage)) readUsage(chunk.usage, b);
      const promptIds = tokens ? numbers(chunk.prompt_token_ids) : undefined;
      if (promptIds) b.promptTokenIds(promptIds);
      const out: ModelEvent[] = [];
      for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
        if (!isObject(choice) || (num(choice.index) ?? 0) !== 0) continue;
        // A non-streamed completion (`message`) reads exactly like one big delta.
        const delta = isObject(choice.delta) ? choice.delta : isObject(choice.message) ? choice.message : {};
        if (tokens) readTokens(choice, delta, b);
        const reasoning = str(delta.reasoning_content) || str(delta.reasoning);
        if (reasoning) {
          b.thinking(reasoning);
          out.push({ type: "thinking_delta", delta: reasoning });
        }
        const text = str(delta.content);
        if (text) {
          b.text(text);
          out.push({ type: "text_delta", delta: text });
        }
        if (Array.isArray(delta.tool_calls)) {
          for (const tc of delta.tool_calls) if (isObject(tc)) toolDelta(tc, b, out);
        }
        const finish = str(choice.finish_reason);
        if (finish) applyFinish(finish, b);
      }
      return out;
    },
    end() {
      const out: ModelEvent[] = [];
      for (const c of all) if (!c.started) start(c, out);
      return out;
    },
  };
}

/** Creates the Chat Completions stream function over a given transport (tests inject a fake). */
export function createOpenAIStream(http: HttpClient = nodeHttpClient): StreamFn {
  return (model, context, options = {}) => {
    const nonce = randomBytes(4).toString("hex");
    const events = streamWire(
      model,
      options,
      http,
      () => buildOpenAIRequest(model, context, options),
      openAIHandler(nonce, model.compat?.tokenIds === true),
    );
    return model.compat?.textToolCalls ? withTextToolCalls(events, nonce) : events;
  };
}

/** Chat Completions stream function on the default node:http transport. */
export const streamOpenAI: StreamFn = createOpenAIStream();
