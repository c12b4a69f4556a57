// A scripted StreamFn for loop unit tests: each call replays the next scripted assistant turn.
import type {
  AssistantMessage,
  ModelContext,
  ModelEvent,
  ModelSpec,
  StreamFn,
  ToolCallBlock,
} from "../../src/models/types.js";
import { emptyUsage } from "../../src/models/types.js";

export type Turn =
  | {
      text?: string;
      calls?: { name: string; args?: Record<string, unknown>; invalid?: string }[];
      tokens?: number;
      cost?: number;
    }
  | { error: string; retryable?: boolean; retryAfterMs?: number }
  | { hang: true };

export const testModel: ModelSpec = {
  provider: "test",
  id: "scripted",
  api: "openai-completions",
  baseUrl: "http://127.0.0.1:1",
};

export interface ScriptedStream {
  fn: StreamFn;
  /** The context of every call, deep-copied at call time. */
  calls: ModelContext[];
}

/** A StreamFn that plays `turns` in order. */
export function scriptedStream(turns: Turn[]): ScriptedStream {
  const calls: ModelContext[] = [];
  let i = 0;
  const fn: StreamFn = async function* (model, context, options): AsyncGenerator<ModelEvent> {
    calls.push(structuredClone(context));
    const turn = turns[i++];
    const label = `${model.provider}/${model.id}`;
    if (!turn) {
      yield { type: "done", message: fail(label, "script exhausted", false) };
      return;
    }
    if ("hang" in turn) {
      await new Promise<void>((resolve) =>
        options?.signal?.addEventListener("abort", () => resolve(), { once: true }),
      );
      yield { type: "done", message: { ...fail(label, "aborted", false), stopReason: "aborted" } };
      return;
    }
    if ("error" in turn) {
      yield {
        type: "done",
        message: {
          ...fail(label, turn.error, turn.retryable ?? false),
          ...(turn.retryAfterMs !== undefined ? { retryAfterMs: turn.retryAfterMs } : {}),
        },
      };
      return;
    }
    const content: AssistantMessage["content"] = [];
    if (turn.text) {
      yield { type: "text_delta", delta: turn.text };
      content.push({ type: "text", text: turn.text });
    }
    for (const [n, c] of (turn.calls ?? []).entries()) {
      const id = `call_${i}_${n}`;
      yield { type: "toolcall_start", id, name: c.name };
      const block: ToolCallBlock = { type: "toolCall", id, name: c.name, arguments: c.args ?? {} };
      if (c.invalid !== undefined) block.invalidArguments = c.invalid;
      content.push(block);
    }
    const usage = emptyUsage();
    usage.input = turn.tokens ?? 100;
    usage.totalTokens = usage.input;
    usage.cost.total = turn.cost ?? 0;
    yield {
      type: "done",
      message: {
        role: "assistant",
        content,
        stopReason: turn.calls?.length ? "toolUse" : "stop",
        usage,
        model: label,
      },
    };
  };
  return { fn, calls };
}

function fail(model: string, text: string, retryable: boolean): AssistantMessage {
  return {
    role: "assistant",
    content: [],
    stopReason: "error",
    usage: emptyUsage(),
    model,
    errorMessage: text,
    retryable,
  };
}
