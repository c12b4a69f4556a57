// `ratchet run --via-daemon` (or config cli.useDaemon): hands the task to a running daemon and
// renders its events, so the run survives the terminal closing and shares the daemon's queue.
import path from "node:path";
import { userError } from "../util/errors.js";
import type { CliContext } from "./context.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";
import { createRenderer } from "./render.js";
import type { RunFlags } from "./run-command.js";

/** Per-run flags the daemon does not take (it runs with its own configuration). */
const LOCAL_ONLY: (keyof RunFlags)[] = ["baseUrl", "header", "maxSteps", "maxCost", "maxTokens", "maxTime"];

/**
 * Runs the task through the daemon; undefined when none answers and it was only the config's
 * preference (then the caller runs locally). With --via-daemon, no daemon is an error.
 */
export async function runViaDaemon(
  ctx: CliContext,
  task: string,
  flags: RunFlags & { viaDaemon?: boolean },
): Promise<number | undefined> {
  const { probeDaemon, sendViaDaemon } = await import("../gateway/client.js");
  const port = ctx.config.daemon?.port ?? 7878;
  // Asked for explicitly: wait longer than the 50 ms that keeps the config-driven probe cheap.
  const daemon = await probeDaemon(ctx.home, port, flags.viaDaemon ? 2000 : 50);
  if (!daemon) {
    if (!flags.viaDaemon) return undefined;
    throw userError(
      "daemon_not_running",
      `No daemon answers on 127.0.0.1:${port}. Start one with \`ratchet daemon\`.`,
    );
  }
  const local = LOCAL_ONLY.filter((k) => flags[k] !== undefined);
  if (local.length > 0)
    throw userError(
      "daemon_flags",
      `--${local.join(", --")} cannot be sent to the daemon; run without --via-daemon.`,
    );
  const render = flags.json ? undefined : createRenderer(process.stdout, process.stderr);
  const out = await sendViaDaemon(
    daemon,
    {
      text: task,
      ...(flags.session ? { sessionId: flags.session } : {}),
      ...(flags.workspace || !flags.session
        ? { workspace: path.resolve(flags.workspace ?? process.cwd()) }
        : {}),
      ...(flags.model ? { model: flags.model } : {}),
    },
    (ev) => render?.(ev),
  );
  const r = out.result;
  if (flags.json)
    process.stdout.write(
      `${JSON.stringify({ status: r?.status ?? "error", finalText: r?.finalText ?? "", sessionId: out.sessionId, ...(out.error ? { reason: out.error } : {}), steps: r?.steps ?? 0, toolCalls: r?.toolCalls ?? 0, usage: r?.usage, durationMs: r?.durationMs ?? 0 })}\n`,
    );
  else if (out.status !== "done")
    process.stderr.write(`session: ${out.sessionId}${out.error ? ` (${out.error})` : ""}\n`);
  return r ? exitCodeFor(r.status) : EXIT.error;
}
