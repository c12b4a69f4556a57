// `ratchet env run` and `ratchet env worker`: the evaluation runner (src/env/) behind flags.
// Loaded only when an env command runs, with the env layer imported lazily in turn.
import { loadConfig, ratchetHome } from "../runtime/config.js";
import { resolveModels } from "../runtime/resolve-model.js";
import { EXIT } from "./exit-codes.js";
import { parseHeaderFlags } from "./header-flags.js";

export interface EnvRunFlags {
  model?: string;
  baseUrl?: string;
  header?: string[];
  agent: "ratchet" | "oracle" | "none";
  attempts: number;
  concurrency: number;
  maxSteps?: number;
  tokenIds?: boolean;
  out?: string;
  redis?: string;
  queue: string;
  json?: boolean;
}

/** Runs the suite; exit 0 when every attempt was judged (and, for the oracle, the suite is sound). */
export async function envRun(dir: string, flags: EnvRunFlags): Promise<number> {
  const home = ratchetHome();
  const config = loadConfig(home);
  // Fail before any attempt when no model is configured (it would fail every attempt the same way).
  if (flags.agent === "ratchet")
    resolveModels(config, process.env, {
      ...(flags.model ? { model: flags.model } : {}),
      ...(flags.baseUrl ? { baseUrl: flags.baseUrl.replaceAll(/\{(task|attempt)\}/g, "x") } : {}),
    });
  const { runSuite, formatReport } = await import("../env/runner.js");
  const executor = flags.redis
    ? (await import("../env/queue.js")).queueExecutor({ redis: flags.redis, queue: flags.queue })
    : undefined;
  const report = await runSuite({
    path: dir,
    agent: flags.agent,
    home,
    config,
    attempts: flags.attempts,
    concurrency: flags.concurrency,
    ...(flags.model ? { model: flags.model } : {}),
    ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
    ...(flags.header ? { headers: parseHeaderFlags(flags.header, "X-Session-Id: {task}-{attempt}") } : {}),
    ...(flags.maxSteps ? { maxSteps: flags.maxSteps } : {}),
    ...(flags.tokenIds ? { tokenIds: true } : {}),
    ...(flags.out ? { out: flags.out } : {}),
    ...(executor ? { executor } : {}),
    onAttempt: (r) => {
      if (!flags.json)
        process.stderr.write(
          `${r.task} #${r.attempt}${r.agent === "none" ? " (no change)" : ""}: ${r.status}` +
            `${r.reward !== null ? ` reward ${r.reward}` : ""}${r.invalid || r.error ? ` — ${r.invalid ?? r.error}` : ""}\n`,
        );
    },
  });
  process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  const unsound =
    report.invalid.length > 0 || report.errors.length > 0 || (report.oracleProblems?.length ?? 0) > 0;
  return unsound ? EXIT.error : EXIT.completed;
}

export interface EnvWorkerFlags {
  redis: string;
  queue: string;
  concurrency: number;
  lockMs?: number;
}

/** Processes attempts until SIGINT/SIGTERM. */
export async function envWorker(flags: EnvWorkerFlags): Promise<number> {
  const { startWorker } = await import("../env/queue.js");
  const worker = await startWorker({
    redis: flags.redis,
    queue: flags.queue,
    concurrency: flags.concurrency,
    ...(flags.lockMs ? { lockMs: flags.lockMs } : {}),
  });
  process.stderr.write(`ratchet env worker: waiting for attempts on queue ${flags.queue}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await worker.close();
  return EXIT.completed;
}
