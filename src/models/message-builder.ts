// Accumulates one streamed response into our message model: content blocks in arrival order,
// raw tool-call argument text (parsed once at the end), usage, stop reason, first failure.
import {
  type AssistantMessage,
  emptyUsage,
  errorMessage,
  type ModelSpec,
  priceUsage,
  type StopReason,
  type TextBlock,
  type ThinkingBlock,
  type TokenDetails,
  type ToolCallBlock,
} from "./types.js";
import { parseToolArguments } from "./wire-json.js";

/** Accumulates one response into our content blocks, usage and stop state. */
export class MessageBuilder {
  readonly content: (TextBlock | ThinkingBlock | ToolCallBlock)[] = [];
  readonly usage = emptyUsage();
  stopReason: Exclude<StopReason, "error" | "aborted"> = "stop";
  /** The wire said the response is complete (finish reason, [DONE], message_stop). */
  completed = false;
  /** Stop reading: nothing more useful can follow (error event, [DONE]). */
  ended = false;
  /** Provider-reported total cost (OpenRouter); overrides the computed total. */
  reportedCost?: number;
  failure?: { text: string; retryable: boolean; retryAfterMs?: number };
  /** Token ids and logprobs as the server sent them; set only when it sent any. */
  tokens?: TokenDetails;
  private readonly rawArgs = new Map<ToolCallBlock, string>();

  /** Appends to the trailing text block, starting one if needed (OpenAI-style flat deltas). */
  text(delta: string): void {
    const last = this.content.at(-1);
    if (last?.type === "text") last.text += delta;
    else this.content.push({ type: "text", text: delta });
  }

  /** Appends to the trailing thinking block, starting one if needed. */
  thinking(delta: string): void {
    const last = this.content.at(-1);
    if (last?.type === "thinking") last.thinking += delta;
    else this.content.push({ type: "thinking", thinking: delta });
  }

  /** Starts a new block that later deltas address directly (Anthropic-style indexed blocks). */
  startBlock<B extends TextBlock | ThinkingBlock>(block: B): B {
    this.content.push(block);
    return block;
  }

  /** Starts a tool call; its arguments arrive as text through `toolArgs`. */
  startToolCall(id: string, name: string): ToolCallBlock {
    const block: ToolCallBlock = { type: "toolCall", id, name, arguments: {} };
    this.content.push(block);
    this.rawArgs.set(block, "");
    return block;
  }

  toolArgs(block: ToolCallBlock, delta: string): void {
    this.rawArgs.set(block, (this.rawArgs.get(block) ?? "") + delta);
  }

  /** Records the prompt's token ids (sent once per response). */
  promptTokenIds(ids: number[]): void {
    this.tokens ??= {};
    this.tokens.promptIds = ids;
  }

  /** Appends generated token ids. */
  completionTokenIds(ids: number[]): void {
    this.tokens ??= {};
    this.tokens.completionIds ??= [];
    for (const id of ids) this.tokens.completionIds.push(id);
  }

  /** Appends log-probabilities of generated tokens. */
  tokenLogprobs(values: number[]): void {
    this.tokens ??= {};
    this.tokens.logprobs ??= [];
    for (const v of values) this.tokens.logprobs.push(v);
  }

  /** Records the first failure; later ones are consequences of it. */
  fail(text: string, retryable: boolean, retryAfter?: number): void {
    this.failure ??= { text, retryable, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) };
  }

  /** Builds the final message: parses tool arguments, prices usage, applies stop rules. */
  finish(model: ModelSpec, aborted = false): AssistantMessage {
    for (const [block, raw] of this.rawArgs) Object.assign(block, parseToolArguments(raw));
    const content = this.content.filter(
      (b) =>
        !(b.type === "text" && b.text === "") &&
        !(b.type === "thinking" && b.thinking === "" && !b.signature),
    );
    const usage = priceUsage(this.usage, model.pricing);
    if (this.reportedCost !== undefined) usage.cost.total = this.reportedCost;
    if (aborted || this.failure) {
      const f = this.failure;
      return errorMessage(model, aborted ? "request aborted" : (f?.text ?? "unknown error"), {
        aborted,
        retryable: f?.retryable,
        retryAfterMs: f?.retryAfterMs,
        partial: { role: "assistant", content, usage, stopReason: "error", model: "" },
      });
    }
    // A response that carries tool calls wants them run, whatever its finish reason said.
    const stopReason = content.some((b) => b.type === "toolCall") ? "toolUse" : this.stopReason;
    return {
      role: "assistant",
      content,
      stopReason,
      usage,
      model: `${model.provider}/${model.id}`,
      ...(this.tokens ? { tokens: this.tokens } : {}),
    };
  }
}
