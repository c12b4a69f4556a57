// Retries with backoff and an ordered fallback list, as a StreamFn wrapper: the loop sees one
// call; retries show up as `retry` events so a display can reset partial output.
import type { AssistantMessage, ModelSpec, StreamFn } from "./types.js";

export interface RetryPolicy {
  /** Retries per model after the first attempt. */
  maxRetries: number;
  baseDelayMs: number;
  /** Longest wait between attempts; a server asking for longer moves on to the next model. */
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Abortable sleep; resolves early (false) when the signal fires. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<boolean>;

const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/**
 * Wraps `inner` so retryable failures (408/409/429/5xx, connection resets, mid-stream overloads)
 * are retried with exponential backoff honouring retry-after, then each fallback model is tried
 * in order. The model passed at call time is tried first.
 */
export function withRetries(
  inner: StreamFn,
  policy: RetryPolicy = defaultRetryPolicy,
  fallbacks: ModelSpec[] = [],
  sleep: Sleep = realSleep,
  random: () => number = Math.random,
): StreamFn {
  return async function* (model, context, options) {
    const models = [model, ...fallbacks];
    let last: AssistantMessage | undefined;
    for (let m = 0; m < models.length; m++) {
      const current = models[m];
      for (let attempt = 0; ; attempt++) {
        let final: AssistantMessage | undefined;
        for await (const ev of inner(current, context, options)) {
          if (ev.type === "done") final = ev.message;
          else yield ev;
        }
        if (!final)
          final = { ...(last as AssistantMessage), stopReason: "error", errorMessage: "no final event" };
        last = final;
        if (final.stopReason !== "error") {
          yield { type: "done", message: final };
          return;
        }
        const wait = final.retryAfterMs ?? backoff(policy, attempt, random);
        const canRetry = final.retryable === true && attempt < policy.maxRetries && wait <= policy.maxDelayMs;
        if (!canRetry) break;
        yield {
          type: "retry",
          attempt: attempt + 1,
          delayMs: wait,
          error: final.errorMessage ?? "error",
          model: label(current),
        };
        if (!(await sleep(wait, options?.signal))) {
          yield {
            type: "done",
            message: { ...final, stopReason: "aborted", errorMessage: "aborted while waiting to retry" },
          };
          return;
        }
      }
      const next = models[m + 1];
      if (next)
        yield {
          type: "retry",
          attempt: 0,
          delayMs: 0,
          error: last?.errorMessage ?? "error",
          model: label(next),
        };
    }
    const tried = models.length > 1 ? ` (tried ${models.map(label).join(", ")})` : "";
    yield {
      type: "done",
      message: { ...(last as AssistantMessage), errorMessage: `${last?.errorMessage}${tried}` },
    };
  };
}

function backoff(policy: RetryPolicy, attempt: number, random: () => number): number {
  const exp = policy.baseDelayMs * 2 ** attempt;
  return Math.min(policy.maxDelayMs, Math.round(exp * (0.75 + random() * 0.5)));
}

const label = (m: ModelSpec) => `${m.provider}/${m.id}`;
