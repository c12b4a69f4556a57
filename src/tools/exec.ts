// The `exec` tool: run a shell command in the workspace root through an ExecBackend and report
// its output with a footer line giving the exit status.
import type { Effect, Tool } from "../loop/tool.js";
import type { JsonSchema } from "../util/json-schema.js";
import type { ExecBackend, ExecResult } from "./exec-backend.js";
import { createHostExecBackend } from "./exec-host.js";
import type { Workspace } from "./workspace.js";

/** Limits of one command. */
export const EXEC_DEFAULT_TIMEOUT_SECONDS = 120;
export const EXEC_MAX_TIMEOUT_SECONDS = 1800;
export const EXEC_DEFAULT_MAX_OUTPUT_BYTES = 30_000;

/** Arguments of `exec`, as guaranteed by its schema. */
export interface ExecArgs {
  command: string;
  timeout?: number;
}

// The default timeout is part of the schema text, so the schema is built per tool instance.
const schema = (defaultTimeout: number): JsonSchema => ({
  type: "object",
  properties: {
    command: { type: "string" },
    timeout: {
      type: "number",
      minimum: 1,
      maximum: EXEC_MAX_TIMEOUT_SECONDS,
      description: `seconds, default ${defaultTimeout}`,
    },
  },
  required: ["command"],
  additionalProperties: false,
});

/** Options of the exec tool; `env` is added to the backend's minimal environment. */
export interface ExecToolOptions {
  workspace: Workspace;
  exec?: ExecBackend;
  defaultTimeoutSeconds?: number;
  maxOutputBytes?: number;
  env?: Record<string, string>;
  /** Declares a command's effects (network, config writes…); the detector lives in the policy layer. */
  effects?: (args: ExecArgs) => Effect[];
}

/** Runs a command with cwd at the workspace root; non-zero exit, timeout and abort are errors. */
export function createExecTool(opts: ExecToolOptions): Tool<ExecArgs> {
  const backend = opts.exec ?? createHostExecBackend();
  const defaultTimeout = opts.defaultTimeoutSeconds ?? EXEC_DEFAULT_TIMEOUT_SECONDS;
  const maxOutputBytes = opts.maxOutputBytes ?? EXEC_DEFAULT_MAX_OUTPUT_BYTES;
  return {
    name: "exec",
    description: "Run a shell command in the workspace root; returns combined stdout/stderr and exit status.",
    parameters: schema(defaultTimeout),
    ...(opts.effects ? { effects: opts.effects } : {}),
    async execute(args: ExecArgs, ctx) {
      const seconds = Math.min(Math.max(args.timeout ?? defaultTimeout, 1), EXEC_MAX_TIMEOUT_SECONDS);
      const res = await backend.run({
        command: args.command,
        cwd: opts.workspace.root,
        timeoutMs: Math.round(seconds * 1000),
        signal: ctx.signal,
        env: opts.env,
        maxOutputBytes,
      });
      const body =
        res.output === "" ? "(no output)" : res.output.endsWith("\n") ? res.output.slice(0, -1) : res.output;
      return {
        content: `${body}\n${footer(res, seconds)}`,
        isError: res.timedOut || res.aborted || res.exitCode !== 0,
      };
    },
  };
}

function footer(res: ExecResult, seconds: number): string {
  if (res.timedOut) return `[timed out after ${seconds}s; process group killed]`;
  if (res.aborted) return "[aborted; process group killed]";
  if (res.exitCode === null) return `[killed by ${res.signal ?? "unknown signal"}]`;
  return `[exit code ${res.exitCode}]`;
}
