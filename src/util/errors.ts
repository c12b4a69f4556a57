// A few typed errors with a stable code and a category, so the CLI and gateway can map them to
// exit codes and HTTP statuses without string matching.

export type ErrorCategory = "user" | "system" | "upstream";

export class RatchetError extends Error {
  constructor(
    /** Stable machine-readable code, e.g. "config_invalid", "model_not_configured". */
    readonly code: string,
    readonly category: ErrorCategory,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RatchetError";
  }
}

export const userError = (code: string, message: string, cause?: unknown) =>
  new RatchetError(code, "user", message, { cause });
export const systemError = (code: string, message: string, cause?: unknown) =>
  new RatchetError(code, "system", message, { cause });

/** One-line description of any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
