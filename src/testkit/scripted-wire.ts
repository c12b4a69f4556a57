// SSE frames of one scripted reply, in OpenAI Chat Completions and Anthropic Messages format.
// Pure functions: the server decides pacing, these decide bytes.
import type { ScriptedReply, ScriptedToolCall } from "./scripted-server.js";

/** What the frames need to know about the request being answered. */
export interface WireContext {
  model: string;
  /** Unique per response; used in message and tool-call ids. */
  id: string;
  /** Request body length, for a plausible default input token count. */
  promptChars: number;
}

const DEFAULT_CHUNK = 7;

/** Splits by code points, so a surrogate pair is never cut (real servers cut between tokens). */
function pieces(text: string, size: number): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(""));
  return out;
}

const argsText = (c: ScriptedToolCall) =>
  typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments);

/** Scripted usage, or plausible numbers: ~4 characters per token. */
function usageOf(turn: ScriptedReply, ctx: WireContext) {
  if (turn.usage) return { cacheRead: 0, cacheWrite: 0, ...turn.usage };
  const generated =
    (turn.text ?? "").length +
    (turn.reasoning ?? "").length +
    (turn.toolCalls ?? []).reduce((n, c) => n + argsText(c).length, 0);
  return {
    input: Math.ceil(ctx.promptChars / 4),
    output: Math.max(1, Math.ceil(generated / 4)),
    cacheRead: 0,
    cacheWrite: 0,
  };
}

/** Content frames, then either an error, an early stop, or the closing frames. */
function assemble(
  head: string[],
  content: string[],
  tail: string[],
  turn: ScriptedReply,
  error: () => string,
): string[] {
  if (turn.midStreamError) return [...head, ...content.slice(0, Math.ceil(content.length / 2)), error()];
  if (turn.endEarly) return [...head, ...content];
  return [...head, ...content, ...tail];
}

/** OpenAI Chat Completions chunks, DeepSeek-style `reasoning_content`, final usage chunk, [DONE]. */
export function openaiFrames(turn: ScriptedReply, ctx: WireContext): string[] {
  const size = turn.chunkSize ?? DEFAULT_CHUNK;
  const base = {
    id: `chatcmpl-scripted-${ctx.id}`,
    object: "chat.completion.chunk",
    created: 1700000000,
    model: ctx.model,
  };
  const data = (v: unknown) => `data: ${JSON.stringify(v)}\n\n`;
  const deltas: Record<string, unknown>[] = [];
  for (const p of pieces(turn.reasoning ?? "", size)) deltas.push({ reasoning_content: p });
  for (const p of pieces(turn.text ?? "", size)) deltas.push({ content: p });
  (turn.toolCalls ?? []).forEach((c, index) => {
    const id = c.id ?? `call_${ctx.id}_${index}`;
    deltas.push({ tool_calls: [{ index, id, type: "function", function: { name: c.name, arguments: "" } }] });
    for (const p of pieces(argsText(c), size)) {
      deltas.push({ tool_calls: [{ index, function: { arguments: p } }] });
    }
  });
  // Token details spread over the content chunks and the finish chunk (slot deltas.length).
  const t = turn.tokens;
  const slots = deltas.length + 1;
  const share = <T>(list: T[] | undefined, slot: number) =>
    list?.slice(Math.floor((slot * list.length) / slots), Math.floor(((slot + 1) * list.length) / slots));
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, slot = -1) => {
    const ids = slot >= 0 ? share(t?.completionIds, slot) : undefined;
    const lps = slot >= 0 ? share(t?.logprobs, slot) : undefined;
    const logprobs = lps
      ? { content: lps.map((logprob) => ({ token: "", logprob, bytes: null, top_logprobs: [] })) }
      : null;
    return data({
      ...base,
      choices: [{ index: 0, delta, logprobs, finish_reason: finish, ...(ids ? { token_ids: ids } : {}) }],
    });
  };
  const content = deltas.map((d, i) => chunk(d, null, i));
  const u = usageOf(turn, ctx);
  const finish = turn.finishReason ?? (turn.toolCalls?.length ? "tool_calls" : "stop");
  const usage = {
    prompt_tokens: u.input + u.cacheRead,
    completion_tokens: u.output,
    total_tokens: u.input + u.cacheRead + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead },
  };
  const tail = [chunk({}, finish, deltas.length), data({ ...base, choices: [], usage }), "data: [DONE]\n\n"];
  const e = turn.midStreamError;
  const error = () =>
    data({ error: { message: e?.message, type: e?.type ?? "server_error", code: e?.code ?? null } });
  const first = data({
    ...base,
    ...(t?.promptIds ? { prompt_token_ids: t.promptIds } : {}),
    choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }],
  });
  return assemble([first], content, tail, turn, error);
}

/** Anthropic Messages events: message_start … content blocks … message_delta, message_stop. */
export function anthropicFrames(turn: ScriptedReply, ctx: WireContext): string[] {
  const size = turn.chunkSize ?? DEFAULT_CHUNK;
  const frame = (type: string, v: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...v })}\n\n`;
  const u = usageOf(turn, ctx);
  const content: string[] = [];
  let index = 0;
  const block = (start: Record<string, unknown>, deltas: Record<string, unknown>[]) => {
    content.push(frame("content_block_start", { index, content_block: start }));
    for (const delta of deltas) content.push(frame("content_block_delta", { index, delta }));
    content.push(frame("content_block_stop", { index }));
    index++;
  };
  if (turn.reasoning) {
    const deltas: Record<string, unknown>[] = pieces(turn.reasoning, size).map((thinking) => ({
      type: "thinking_delta",
      thinking,
    }));
    deltas.push({ type: "signature_delta", signature: Buffer.from(`sig-${ctx.id}`).toString("base64") });
    block({ type: "thinking", thinking: "", signature: "" }, deltas);
  }
  if (turn.text) {
    block(
      { type: "text", text: "" },
      pieces(turn.text, size).map((text) => ({ type: "text_delta", text })),
    );
  }
  (turn.toolCalls ?? []).forEach((c, i) => {
    const start = { type: "tool_use", id: c.id ?? `toolu_scripted_${ctx.id}_${i}`, name: c.name, input: {} };
    block(
      start,
      pieces(argsText(c), size).map((partial_json) => ({ type: "input_json_delta", partial_json })),
    );
  });
  const head = [
    frame("message_start", {
      message: {
        id: `msg_scripted_${ctx.id}`,
        type: "message",
        role: "assistant",
        model: ctx.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: u.input,
          cache_creation_input_tokens: u.cacheWrite,
          cache_read_input_tokens: u.cacheRead,
          output_tokens: 1,
        },
      },
    }),
    frame("ping", {}),
  ];
  const stop = turn.finishReason ?? (turn.toolCalls?.length ? "tool_use" : "end_turn");
  const tail = [
    frame("message_delta", {
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: u.output },
    }),
    frame("message_stop", {}),
  ];
  const e = turn.midStreamError;
  const error = () => frame("error", { error: { type: e?.type ?? "api_error", message: e?.message } });
  return assemble(head, content, tail, turn, error);
}
