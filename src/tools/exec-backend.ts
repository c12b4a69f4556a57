// How the `exec` tool runs a command. The host backend (exec-host.ts) and the sandbox backend
// implement the same interface, so it carries no host details: a command, a directory, limits.

/** One command to run. */
export interface ExecRequest {
  /** Shell command line, run by a POSIX shell. */
  command: string;
  /** Working directory (the workspace root or below). */
  cwd: string;
  /** On expiry the whole process group is killed. */
  timeoutMs: number;
  /** Aborting kills the whole process group. */
  signal?: AbortSignal;
  /**
   * Extra environment variables, added to the backend's minimal base environment. Backends must
   * not pass their own full environment through: secrets such as API keys would leak to commands.
   */
  env?: Record<string, string>;
  /** Output beyond this is cut from the middle, keeping its head and tail. */
  maxOutputBytes: number;
}

/** What happened. Exactly one of exitCode/signal is non-null once the process has exited. */
export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  /** stdout and stderr combined, in arrival order. */
  output: string;
  truncated: boolean;
  durationMs: number;
}

/** Runs commands. `run` rejects only when the command could not be started at all. */
export interface ExecBackend {
  run(req: ExecRequest): Promise<ExecResult>;
}
