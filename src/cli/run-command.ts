// `ratchet run "<task>"`: one task, streamed to the terminal or summarised as one JSON object.
import { statSync } from "node:fs";
import path from "node:path";
import type { AgentEvent, RunResult } from "../loop/events.js";
import { type Approver, nonInteractiveApprover } from "../policy/approvals.js";
import { ApprovalStore } from "../runtime/approval-store.js";
import { type StartedTask, startTask } from "../runtime/run-task.js";
import { userError } from "../util/errors.js";
import { createPromptApprover, terminalAsk } from "./approver-prompt.js";
import { type CliContext, openContext } from "./context.js";
import { exitCodeFor } from "./exit-codes.js";
import { parseHeaderFlags } from "./header-flags.js";
import { createRenderer } from "./render.js";

export interface RunFlags {
  model?: string;
  baseUrl?: string;
  header?: string[];
  workspace?: string;
  session?: string;
  maxSteps?: number;
  maxCost?: number;
  maxTokens?: number;
  maxTime?: number;
  json?: boolean;
  /** Send the task through a running daemon (config `cli.useDaemon` does the same when one answers). */
  viaDaemon?: boolean;
}

/** Runs one task and returns the process exit code. */
export async function runCommand(task: string, flags: RunFlags): Promise<number> {
  if (task.trim() === "") throw userError("task_empty", 'The task is empty. Usage: ratchet run "what to do"');
  const ctx = openContext();
  if (flags.viaDaemon || ctx.config.cli?.useDaemon) {
    const { runViaDaemon } = await import("./daemon-run.js");
    const code = await runViaDaemon(ctx, task, flags).catch((err: unknown) => {
      ctx.store.close();
      throw err;
    });
    if (code !== undefined) {
      ctx.store.close();
      return code;
    }
  }
  const approvals = openApprovals(ctx);
  try {
    const controller = interruptController();
    const ask = terminalAsk();
    const approver = ask ? createPromptApprover(ask) : nonInteractiveApprover;
    const started = await start(ctx, task, flags, controller.signal, { approver, approvals });
    const render = flags.json ? undefined : createRenderer(process.stdout, process.stderr);
    let held = 0;
    for await (const ev of started.run) {
      render?.(ev);
      if (isHeld(ev)) held++;
    }
    const result = await started.run.result;
    if (flags.json) process.stdout.write(`${JSON.stringify(jsonReport(result, started))}\n`);
    else if (!flags.json && result.status !== "completed")
      process.stderr.write(`session: ${started.sessionId}\n`);
    if (held > 0) process.stderr.write(heldNote(held, started.sessionId));
    return exitCodeFor(result.status);
  } finally {
    approvals.close();
    ctx.store.close();
  }
}

/** The approvals ledger beside the sessions database. */
export function openApprovals(ctx: CliContext): ApprovalStore {
  return new ApprovalStore(path.join(ctx.home, "ratchet.db"));
}

/** Whether an event is a tool call held for the owner's approval. */
export function isHeld(ev: AgentEvent): boolean {
  return (
    ev.type === "tool_end" && ev.result.isError && ev.result.content.startsWith("Denied: held for approval")
  );
}

/** The hint printed after a run that held calls. */
export function heldNote(n: number, sessionId: string): string {
  return (
    `${n} call${n === 1 ? " was" : "s were"} held for approval: \`ratchet approvals list\` shows ${n === 1 ? "it" : "them"}; ` +
    `approve with \`ratchet approvals approve ID\`, then continue with --session ${sessionId}\n`
  );
}

/** Starts a task in a new or continued session (shared by `run` and `chat`). */
export async function start(
  ctx: CliContext,
  input: string,
  flags: RunFlags,
  signal: AbortSignal,
  policy: { approver: Approver; approvals: ApprovalStore },
): Promise<StartedTask> {
  const previous = flags.session ? ctx.store.get(flags.session) : undefined;
  const workspace = resolveWorkspace(flags.workspace ?? previous?.workspace ?? process.cwd());
  return startTask({
    home: ctx.home,
    config: ctx.config,
    store: ctx.store,
    input,
    workspace,
    ...(flags.session ? { sessionId: flags.session } : {}),
    overrides: {
      model: flags.model,
      baseUrl: flags.baseUrl,
      headers: parseHeaderFlags(flags.header ?? [], "X-Session-Id: 42"),
    },
    limits: {
      maxSteps: flags.maxSteps,
      maxCost: flags.maxCost,
      maxTokens: flags.maxTokens,
      maxWallSeconds: flags.maxTime,
    },
    signal,
    onWarning: (w) => process.stderr.write(`warning: ${w}\n`),
    approver: policy.approver,
    approvals: policy.approvals,
    holdHint: (hash) =>
      `needs approval; the owner can approve it with \`ratchet approvals approve ${hash.slice(0, 12)}\` ` +
      "and run again. Do not retry it now or try to reach the same result another way.",
  });
}

/** The `--json` result object. */
export function jsonReport(r: RunResult, t: StartedTask) {
  return {
    status: r.status,
    ...(r.limit ? { limit: r.limit } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    finalText: r.finalText,
    sessionId: t.sessionId,
    model: `${t.model.provider}/${t.model.id}`,
    steps: r.steps,
    toolCalls: r.toolCalls,
    usage: {
      input: r.usage.input,
      output: r.usage.output,
      cacheRead: r.usage.cacheRead,
      cacheWrite: r.usage.cacheWrite,
      totalTokens: r.usage.totalTokens,
    },
    cost: r.usage.cost.total,
    durationMs: r.durationMs,
  };
}

function resolveWorkspace(dir: string): string {
  const abs = path.resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {}
  if (!isDir)
    throw userError(
      "workspace_invalid",
      `Workspace ${abs} is not a directory. Fix: create it, or pass --workspace DIR.`,
    );
  return abs;
}

/** First Ctrl-C/SIGTERM aborts the run (it ends cleanly, session intact); a second one exits at once. */
function interruptController(): AbortController {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write("\ninterrupted: stopping the run (press Ctrl-C again to quit now)\n");
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return controller;
}
