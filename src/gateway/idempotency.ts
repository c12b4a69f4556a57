// Idempotency keys for tool calls with external side effects, derived from (message id, step):
// a step re-run after a crash gets the same key, so the external system can drop the repeat.
// exec commands see it as $RATCHET_IDEMPOTENCY_KEY.
import type { ExecBackend } from "../tools/exec-backend.js";

/** Name of the environment variable exec commands read the key from. */
export const IDEMPOTENCY_ENV = "RATCHET_IDEMPOTENCY_KEY";

/** The key of step `step` (1-based, counted across resumed runs) of message `messageId`. */
export function idempotencyKey(messageId: string, step: number): string {
  return `${messageId}:${step}`;
}

/**
 * Wraps an exec backend so every command gets the current key in its environment. `key` is read
 * at call time (the run manager advances it on each step_start).
 */
export function withIdempotencyKey(backend: ExecBackend, key: () => string | undefined): ExecBackend {
  return {
    run(req) {
      const k = key();
      return backend.run(k ? { ...req, env: { ...req.env, [IDEMPOTENCY_ENV]: k } } : req);
    },
  };
}
