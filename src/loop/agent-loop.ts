// The agent loop: model ⇄ tools as a stream of typed events. It knows no storage, no HTTP and
// no configuration files; everything it needs arrives through LoopConfig.
import type {
  AssistantMessage,
  Message,
  ModelSpec,
  StreamFn,
  StreamOptions,
  ToolCallBlock,
  ToolResultMessage,
  Usage,
  UserMessage,
} from "../models/types.js";
import { addUsage, assistantText, emptyUsage } from "../models/types.js";
import { EventStream } from "./event-stream.js";
import type { AgentEvent, LimitKind, RunResult } from "./events.js";
import { type AnyTool, toolSpec } from "./tool.js";
import { executeToolCall } from "./tool-call.js";

/** Spending and time limits for one run. Unset means unlimited. */
export interface Budget {
  /** Maximum model calls. */
  maxSteps?: number;
  /** Maximum total tokens (input + output + cache) across the run. */
  maxTokens?: number;
  /** Maximum cost in dollars across the run. */
  maxCost?: number;
  /** Maximum wall time in ms; the call in flight is aborted when it passes. */
  maxWallMs?: number;
}

/** What the loop sees of the run so far, for stop conditions. */
export interface LoopState {
  step: number;
  messages: readonly Message[];
  usage: Usage;
}

/** Verdict of a before-tool hook: run the call, or refuse it with a reason the model reads. */
export type ToolGate = { deny: string } | undefined;

export interface LoopConfig {
  model: ModelSpec;
  stream: StreamFn;
  systemPrompt: string;
  tools: AnyTool[];
  /** The conversation so far, ending with the new input. Never mutated. */
  messages: Message[];
  /** Rewrites the messages sent to the model (compaction, memory). Should keep earlier messages stable. */
  transformContext?: (messages: Message[], signal: AbortSignal) => Promise<Message[]>;
  /** Policy, approvals: may refuse a call. */
  beforeToolCall?: (call: ToolCallBlock, messages: readonly Message[]) => Promise<ToolGate>;
  /** Redaction, provenance: may replace a result. */
  afterToolCall?: (call: ToolCallBlock, result: ToolResultMessage) => Promise<ToolResultMessage | undefined>;
  /** Messages that interrupt the current step (checked after each tool call). */
  getSteeringMessages?: () => Promise<UserMessage[]>;
  /** Messages that continue the run when the agent would otherwise stop. */
  getFollowUpMessages?: () => Promise<UserMessage[]>;
  /** Return true or a reason to stop before the next model call. */
  stopWhen?: (state: LoopState) => boolean | string;
  budget?: Budget;
  signal?: AbortSignal;
  streamOptions?: Omit<StreamOptions, "signal">;
  now?: () => number;
}

/** A running loop: iterate it for events; `result` settles when it ends. */
export type AgentRun = EventStream<AgentEvent, RunResult>;

/** Starts the loop. It never throws; failures end the run with status "error". */
export function runAgentLoop(config: LoopConfig): AgentRun {
  const out: AgentRun = new EventStream();
  void drive(config, out).catch((err: unknown) => {
    // Only a programmer error reaches here; still end the stream so no consumer hangs.
    const result = baseResult([], 0, 0, emptyUsage());
    result.status = "error";
    result.reason = `internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    out.push({ type: "run_end", result });
    out.end(result);
  });
  return out;
}

function baseResult(added: Message[], steps: number, toolCalls: number, usage: Usage): RunResult {
  const lastAssistant = [...added].reverse().find((m): m is AssistantMessage => m.role === "assistant");
  return {
    status: "completed",
    finalText: lastAssistant ? assistantText(lastAssistant) : "",
    messages: added,
    steps,
    toolCalls,
    usage,
    durationMs: 0,
  };
}

async function drive(config: LoopConfig, out: AgentRun): Promise<void> {
  const now = config.now ?? Date.now;
  const started = now();
  const budget = config.budget ?? {};
  const history: Message[] = [...config.messages];
  const added: Message[] = [];
  const usage = emptyUsage();
  const specs = config.tools.map(toolSpec);
  const toolsByName = new Map(config.tools.map((t) => [t.name, t]));
  let steps = 0;
  let toolCalls = 0;

  // One controller for the whole run: the caller's signal and the wall-time budget both fire it.
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort();
  config.signal?.addEventListener("abort", onAbort, { once: true });
  if (config.signal?.aborted) controller.abort();
  const timer =
    budget.maxWallMs !== undefined
      ? setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, budget.maxWallMs)
      : undefined;

  const append = (m: Message) => {
    history.push(m);
    added.push(m);
    out.push({ type: "message", message: m });
  };
  const finish = (status: RunResult["status"], reason?: string, limit?: LimitKind) => {
    clearTimeout(timer);
    config.signal?.removeEventListener("abort", onAbort);
    const result = baseResult(added, steps, toolCalls, usage);
    result.status = status;
    if (reason) result.reason = reason;
    if (limit) result.limit = limit;
    result.durationMs = now() - started;
    out.push({ type: "run_end", result });
    out.end(result);
  };
  const abortedStatus = () =>
    timedOut
      ? finish("limit", `wall time limit of ${budget.maxWallMs} ms reached`, "time")
      : finish("aborted", "run aborted");

  out.push({ type: "run_start" });
  for (;;) {
    if (controller.signal.aborted) return abortedStatus();
    const limit = checkBudget(budget, steps, usage, now() - started);
    if (limit) return finish("limit", limit.reason, limit.kind);
    const stop = config.stopWhen?.({ step: steps, messages: history, usage });
    if (stop)
      return finish("limit", typeof stop === "string" ? stop : "stop condition met", "stop_condition");

    steps++;
    out.push({ type: "step_start", step: steps });
    const context = config.transformContext
      ? await config.transformContext(history, controller.signal)
      : history;
    let message: AssistantMessage | undefined;
    for await (const ev of config.stream(
      config.model,
      { systemPrompt: config.systemPrompt, messages: context, tools: specs },
      { ...config.streamOptions, signal: controller.signal },
    )) {
      if (ev.type === "done") message = ev.message;
      else out.push({ type: "model", step: steps, event: ev });
    }
    if (!message) return finish("error", "model stream ended without a final message");
    addUsage(usage, message.usage);
    if (message.stopReason === "aborted" || controller.signal.aborted) {
      if (message.content.length > 0) append({ ...message, stopReason: "aborted" });
      return abortedStatus();
    }
    if (message.stopReason === "error") {
      out.push({ type: "step_end", step: steps, message });
      return finish("error", message.errorMessage ?? "model call failed");
    }
    append(message);
    out.push({ type: "step_end", step: steps, message });

    const calls = message.content.filter((b): b is ToolCallBlock => b.type === "toolCall");
    if (calls.length === 0) {
      const followUps = (await config.getFollowUpMessages?.()) ?? [];
      if (followUps.length === 0) return finish("completed");
      for (const m of followUps) append(m);
      continue;
    }

    let steering: UserMessage[] = [];
    for (const call of calls) {
      if (steering.length > 0 || controller.signal.aborted) {
        // Every call must get a result so the history stays valid for the provider.
        const why = steering.length > 0 ? "the user sent a new message first" : "the run was aborted";
        append(skippedResult(call, `Skipped: ${why}.`));
        continue;
      }
      toolCalls++;
      out.push({ type: "tool_start", call });
      const t0 = now();
      let result = await executeToolCall(
        call,
        toolsByName,
        controller.signal,
        config.beforeToolCall,
        history,
      );
      result = (await config.afterToolCall?.(call, result)) ?? result;
      append(result);
      out.push({ type: "tool_end", call, result, durationMs: now() - t0 });
      steering = (await config.getSteeringMessages?.()) ?? [];
    }
    for (const m of steering) append(m);
  }
}

function skippedResult(call: ToolCallBlock, text: string): ToolResultMessage {
  return { role: "toolResult", toolCallId: call.id, toolName: call.name, content: text, isError: true };
}

function checkBudget(
  budget: Budget,
  steps: number,
  usage: Usage,
  elapsedMs: number,
): { kind: LimitKind; reason: string } | undefined {
  if (budget.maxSteps !== undefined && steps >= budget.maxSteps)
    return { kind: "steps", reason: `step limit of ${budget.maxSteps} reached` };
  if (budget.maxTokens !== undefined && usage.totalTokens >= budget.maxTokens)
    return {
      kind: "tokens",
      reason: `token limit of ${budget.maxTokens} reached (${usage.totalTokens} used)`,
    };
  if (budget.maxCost !== undefined && usage.cost.total >= budget.maxCost)
    return {
      kind: "cost",
      reason: `cost limit of $${budget.maxCost} reached ($${usage.cost.total.toFixed(4)} spent)`,
    };
  if (budget.maxWallMs !== undefined && elapsedMs >= budget.maxWallMs)
    return { kind: "time", reason: `wall time limit of ${budget.maxWallMs} ms reached` };
  return undefined;
}
