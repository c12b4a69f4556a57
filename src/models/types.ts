// Ratchet's own message model. Provider wire payloads never leave their provider file;
// everything above the models layer speaks only these types.

/** Where a piece of content came from. Used for provenance (taint) decisions. */
export type Origin = "owner" | "tool" | "web" | "file" | "channel" | "memory" | "system";

export interface TextBlock {
  type: "text";
  text: string;
}

export interface ThinkingBlock {
  type: "thinking";
  thinking: string;
  /** Provider signature that must be echoed back verbatim (Anthropic). */
  signature?: string;
}

export interface ToolCallBlock {
  type: "toolCall";
  id: string;
  name: string;
  /** Parsed arguments; `{}` when the model sent something that was not a JSON object. */
  arguments: Record<string, unknown>;
  /** Set when the raw argument text did not parse as a JSON object: the text the model sent. */
  invalidArguments?: string;
}

export interface UserMessage {
  role: "user";
  content: string;
  origin?: Origin;
}

export type StopReason = "stop" | "length" | "toolUse" | "error" | "aborted";

export interface Cost {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  total: number;
}

/** Token counts of one model call (or a sum of calls). `input` excludes cache reads/writes. */
export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  totalTokens: number;
  cost: Cost;
}

/**
 * Token-level details of one response, exactly as the server returned them (vLLM/SGLang with
 * `compat.tokenIds`). Never re-tokenised: a field the server did not send is absent.
 */
export interface TokenDetails {
  /** The whole prompt of this call as the server tokenised it (history included). */
  promptIds?: number[];
  /** The generated tokens, in order. */
  completionIds?: number[];
  /** Log-probability of each generated token, aligned with completionIds when both are present. */
  logprobs?: number[];
}

export interface AssistantMessage {
  role: "assistant";
  content: (TextBlock | ThinkingBlock | ToolCallBlock)[];
  stopReason: StopReason;
  usage: Usage;
  /** "provider/model" that produced this message. */
  model: string;
  errorMessage?: string;
  /** For stopReason "error": whether trying again may succeed (408/409/429/5xx, reset). */
  retryable?: boolean;
  /** For stopReason "error": server-requested delay before retrying, in ms. */
  retryAfterMs?: number;
  /** Token ids and logprobs, when the model was asked for them and the server sent them. */
  tokens?: TokenDetails;
}

export interface ToolResultMessage {
  role: "toolResult";
  toolCallId: string;
  toolName: string;
  content: string;
  isError: boolean;
  origin?: Origin;
}

export type Message = UserMessage | AssistantMessage | ToolResultMessage;

/** A tool as the model sees it: name, description and a JSON Schema for its arguments. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** What one model call is given. */
export interface ModelContext {
  systemPrompt: string;
  messages: Message[];
  tools: ToolSpec[];
}

/** Price per million tokens, in dollars. */
export interface ModelPricing {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/** Provider quirks expressed as data, not as more files. */
export interface ModelCompat {
  /** Parse `<tool_call>{…}</tool_call>` out of text when the server does not parse tool calls. */
  textToolCalls?: boolean;
  /** Send `max_completion_tokens` instead of `max_tokens` (newer OpenAI models). */
  maxCompletionTokensField?: boolean;
  /** Ask for a final usage chunk (`stream_options.include_usage`). Default true. */
  streamUsage?: boolean;
  /** Extra fields merged into the request body (e.g. vLLM `logprobs`, `return_token_ids`). */
  extraBody?: Record<string, unknown>;
  /**
   * Ask for token ids and logprobs (`logprobs: true`, vLLM/SGLang `return_token_ids: true`) and
   * keep what the server returns on the message's `tokens`. For RL rollouts; default off.
   */
  tokenIds?: boolean;
}

/** Everything needed to call one model. Resolved from config; no secrets are logged. */
export interface ModelSpec {
  provider: string;
  /** Model id as the server knows it. */
  id: string;
  api: "openai-completions" | "anthropic-messages";
  baseUrl: string;
  apiKey?: string;
  headers?: Record<string, string>;
  contextWindow?: number;
  maxOutputTokens?: number;
  pricing?: ModelPricing;
  compat?: ModelCompat;
  temperature?: number;
}

/** Events streamed by a model call. The last event is always `done`. */
export type ModelEvent =
  | { type: "text_delta"; delta: string }
  | { type: "thinking_delta"; delta: string }
  | { type: "toolcall_start"; id: string; name: string }
  | { type: "toolcall_delta"; id: string; delta: string }
  | { type: "retry"; attempt: number; delayMs: number; error: string; model: string }
  | { type: "done"; message: AssistantMessage };

export interface StreamOptions {
  signal?: AbortSignal;
  maxTokens?: number;
  /** Extra headers for this call only (e.g. X-Session-Id for a training gateway). */
  headers?: Record<string, string>;
}

/**
 * Calls a model. Contract: once called it never throws and never rejects; failures arrive as a
 * final `done` event whose message has stopReason "error" or "aborted" and an errorMessage.
 */
export type StreamFn = (
  model: ModelSpec,
  context: ModelContext,
  options?: StreamOptions,
) => AsyncIterable<ModelEvent>;

export function emptyUsage(): Usage {
  return {
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    totalTokens: 0,
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
  };
}

/** Adds b into a (mutates a) and returns a. */
export function addUsage(a: Usage, b: Usage): Usage {
  a.input += b.input;
  a.output += b.output;
  a.cacheRead += b.cacheRead;
  a.cacheWrite += b.cacheWrite;
  a.totalTokens += b.totalTokens;
  a.cost.input += b.cost.input;
  a.cost.output += b.cost.output;
  a.cost.cacheRead += b.cost.cacheRead;
  a.cost.cacheWrite += b.cost.cacheWrite;
  a.cost.total += b.cost.total;
  return a;
}

/** Fills in cost and totalTokens from token counts and the model's pricing. */
export function priceUsage(usage: Usage, pricing: ModelPricing | undefined): Usage {
  usage.totalTokens = usage.input + usage.output + usage.cacheRead + usage.cacheWrite;
  if (!pricing) return usage;
  const per = (n: number, price: number | undefined) => (n * (price ?? 0)) / 1_000_000;
  usage.cost.input = per(usage.input, pricing.input);
  usage.cost.output = per(usage.output, pricing.output);
  usage.cost.cacheRead = per(usage.cacheRead, pricing.cacheRead ?? pricing.input);
  usage.cost.cacheWrite = per(usage.cacheWrite, pricing.cacheWrite ?? pricing.input);
  usage.cost.total = usage.cost.input + usage.cost.output + usage.cost.cacheRead + usage.cost.cacheWrite;
  return usage;
}

/** Builds the final message for a failed call. Providers use it so failures look alike. */
export function errorMessage(
  model: ModelSpec,
  text: string,
  opts: { retryable?: boolean; retryAfterMs?: number; aborted?: boolean; partial?: AssistantMessage } = {},
): AssistantMessage {
  return {
    role: "assistant",
    content: opts.partial?.content ?? [],
    stopReason: opts.aborted ? "aborted" : "error",
    usage: opts.partial?.usage ?? emptyUsage(),
    model: `${model.provider}/${model.id}`,
    errorMessage: text,
    retryable: opts.aborted ? false : (opts.retryable ?? false),
    ...(opts.retryAfterMs !== undefined ? { retryAfterMs: opts.retryAfterMs } : {}),
  };
}

/** Concatenated text blocks of an assistant message. */
export function assistantText(message: AssistantMessage): string {
  return message.content
    .filter((b): b is TextBlock => b.type === "text")
    .map((b) => b.text)
    .join("");
}
