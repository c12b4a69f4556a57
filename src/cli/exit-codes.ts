// Process exit codes: one per run outcome, so scripts can tell them apart.
import type { ExitStatus } from "../loop/events.js";

export const EXIT = {
  completed: 0,
  /** The run failed: the model server kept failing, or the model call was rejected. */
  error: 1,
  /** Bad flags, invalid config, no model configured, unknown session. */
  usage: 2,
  /** A budget (steps, tokens, cost, time) ended the run. */
  limit: 3,
  /** Ratchet itself failed (a bug); please report it. */
  internal: 70,
  /** Interrupted (Ctrl-C / SIGTERM). */
  aborted: 130,
} as const;

/** Exit code for a run's status. */
export function exitCodeFor(status: ExitStatus): number {
  return EXIT[status];
}
