// Runs a suite: loads the tasks, runs k attempts of each with bounded concurrency (here, or on
// queue workers through an Executor), and summarises per task (pass rate, pass@k, tokens, cost,
// time). With the oracle agent it also checks the suite itself: each task must pass with its
// solution and fail on the untouched workspace. Writes report.json and per-attempt files to --out.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type AttemptOptions, type AttemptResult, runAttempt } from "./attempt.js";
import { writeAttemptFiles } from "./outputs.js";
import { isInvalid, loadTasks, type Task } from "./task.js";
import type { Trajectory } from "./trajectory.js";

/** One attempt to run: a task folder, an attempt number and the options. */
export interface AttemptJob {
  taskDir: string;
  attempt: number;
  options: AttemptOptions;
}

export interface AttemptOutcome {
  result: AttemptResult;
  trajectory: Trajectory;
}

/** Runs attempt jobs: in this process (default) or through a queue (queue.ts). */
export type Executor = (jobs: AttemptJob[], concurrency: number) => AsyncIterable<AttemptOutcome>;

export interface SuiteOptions extends Omit<AttemptOptions, "outDir" | "hide"> {
  /** A task folder or a folder of task folders. */
  path: string;
  attempts: number;
  concurrency: number;
  out?: string;
  executor?: Executor;
  /** Called as each attempt finishes (progress lines). */
  onAttempt?: (r: AttemptResult) => void;
}

export interface TaskSummary {
  task: string;
  attempts: number;
  passed: number;
  passRate: number;
  /** Probability that at least one of k attempts passes (k = attempts: any passed). */
  passAtK: number;
  meanReward: number;
  tokens: { input: number; output: number };
  cost: number;
  meanMs: number;
  invalid?: string;
}

export interface SuiteReport {
  runId: string;
  agent: AttemptOptions["agent"];
  model?: string;
  k: number;
  startedAt: string;
  durationMs: number;
  tasks: TaskSummary[];
  /** Tasks that could not be run or judged, with the reason. */
  invalid: { task: string; reason: string }[];
  /** Attempts that could not run (agent could not start, sandbox unavailable, worker failed). */
  errors: { task: string; attempt: number; error: string }[];
  /** Oracle runs only: tasks whose solution fails or whose untouched workspace passes. */
  oracleProblems?: { task: string; problem: string }[];
  totals: { attempts: number; passed: number; passRate: number; cost: number; tokens: number };
  results: AttemptResult[];
}

/** Runs attempts here, `concurrency` at a time. */
export const localExecutor: Executor = async function* (jobs, concurrency) {
  const queue = [...jobs];
  const running = new Map<number, Promise<{ id: number; out: AttemptOutcome }>>();
  let next = 0;
  const start = () => {
    const job = queue.shift();
    if (!job) return;
    const id = next++;
    running.set(
      id,
      runJob(job).then((out) => ({ id, out })),
    );
  };
  for (let i = 0; i < Math.max(1, concurrency); i++) start();
  while (running.size > 0) {
    const { id, out } = await Promise.race(running.values());
    running.delete(id);
    start();
    yield out;
  }
};

/** Loads the job's task and runs the attempt (also what a queue worker does). */
export async function runJob(job: AttemptJob): Promise<AttemptOutcome> {
  const [task] = loadTasks(job.taskDir);
  if (!task || isInvalid(task)) throw new Error(`${job.taskDir}: ${task?.invalid ?? "not a task"}`);
  return runAttempt(task, job.attempt, job.options);
}

/** Runs the suite and returns the report (also written to `out`/report.json). */
export async function runSuite(o: SuiteOptions): Promise<SuiteReport> {
  const started = Date.now();
  const runId = new Date(started).toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
  const loaded = loadTasks(o.path);
  const tasks = loaded.filter((t): t is Task => !isInvalid(t));
  const invalid = loaded.flatMap((t) => (isInvalid(t) ? [{ task: t.name, reason: t.invalid }] : []));
  const suiteDir = path.resolve(o.path);
  const { path: _p, attempts, concurrency, out, executor, onAttempt, ...base } = o;
  const jobs: AttemptJob[] = [];
  const attemptDir = (task: string, label: string) => (out ? path.join(out, task, label) : undefined);
  for (const t of tasks) {
    // The oracle check: the untouched workspace must fail the tests.
    if (o.agent === "oracle") jobs.push(job(t, 0, "none", attemptDir(t.name, "no-change")));
    for (let a = 1; a <= attempts; a++) jobs.push(job(t, a, o.agent, attemptDir(t.name, `attempt-${a}`)));
  }
  function job(t: Task, attempt: number, agent: AttemptOptions["agent"], dir?: string): AttemptJob {
    const options: AttemptOptions = {
      ...base,
      agent,
      runId,
      ...(dir ? { outDir: path.resolve(dir) } : {}),
      // Other tasks' tests and solutions, and other attempts' results and verifier logs.
      hide: [...(suiteDir !== t.dir ? [suiteDir] : []), ...(out ? [path.resolve(out)] : [])],
    };
    return { taskDir: t.dir, attempt, options };
  }
  const results: AttemptResult[] = [];
  const noChange = new Map<string, AttemptResult>();
  for await (const outcome of (executor ?? localExecutor)(jobs, concurrency)) {
    const r = outcome.result;
    if (out)
      writeAttemptFiles(
        path.join(out, r.task, r.agent === "none" ? "no-change" : `attempt-${r.attempt}`),
        outcome,
      );
    if (r.agent === "none" && o.agent !== "none") noChange.set(r.task, r);
    else results.push(r);
    onAttempt?.(r);
  }
  results.sort((a, b) => a.task.localeCompare(b.task) || a.attempt - b.attempt);
  const report = summarise({ runId, o, started, tasks, invalid, results, noChange });
  if (out) {
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  }
  return report;
}

function summarise(s: {
  runId: string;
  o: SuiteOptions;
  started: number;
  tasks: Task[];
  invalid: { task: string; reason: string }[];
  results: AttemptResult[];
  noChange: Map<string, AttemptResult>;
}): SuiteReport {
  const invalid = [...s.invalid];
  const summaries: TaskSummary[] = [];
  const oracleProblems: { task: string; problem: string }[] = [];
  for (const t of s.tasks) {
    const rs = s.results.filter((r) => r.task === t.name);
    const bad = rs.find((r) => r.status === "invalid");
    const reason = bad ? (bad.invalid ?? bad.status) : undefined;
    if (reason) invalid.push({ task: t.name, reason });
    const passed = rs.filter((r) => r.status === "passed").length;
    const judged = rs.filter((r) => r.reward !== null);
    summaries.push({
      task: t.name,
      attempts: rs.length,
      passed,
      passRate: rs.length ? passed / rs.length : 0,
      passAtK: passed > 0 ? 1 : 0,
      meanReward: judged.length ? judged.reduce((a, r) => a + (r.reward ?? 0), 0) / judged.length : 0,
      tokens: {
        input: rs.reduce((a, r) => a + r.usage.input, 0),
        output: rs.reduce((a, r) => a + r.usage.output, 0),
      },
      cost: rs.reduce((a, r) => a + r.usage.cost, 0),
      meanMs: rs.length ? rs.reduce((a, r) => a + r.timings.totalMs, 0) / rs.length : 0,
      ...(reason ? { invalid: reason } : {}),
    });
    if (s.o.agent === "oracle") {
      const failing = rs.filter((r) => r.status !== "passed");
      if (failing.length > 0)
        oracleProblems.push({
          task: t.name,
          problem: `fails with its solution: ${failing[0].invalid ?? failing[0].error ?? failing[0].exitReason}`,
        });
      const nc = s.noChange.get(t.name);
      if (nc && nc.status !== "failed")
        oracleProblems.push({
          task: t.name,
          problem:
            nc.status === "passed"
              ? "passes with no change (the tests do not test the task)"
              : `the untouched workspace could not be judged: ${nc.invalid ?? nc.error}`,
        });
    }
  }
  const passed = s.results.filter((r) => r.status === "passed").length;
  return {
    runId: s.runId,
    agent: s.o.agent,
    ...(s.o.model ? { model: s.o.model } : {}),
    k: s.o.attempts,
    startedAt: new Date(s.started).toISOString(),
    durationMs: Date.now() - s.started,
    tasks: summaries,
    invalid,
    errors: s.results.flatMap((r) =>
      r.status === "error" ? [{ task: r.task, attempt: r.attempt, error: r.error ?? "unknown error" }] : [],
    ),
    ...(s.o.agent === "oracle" ? { oracleProblems } : {}),
    totals: {
      attempts: s.results.length,
      passed,
      passRate: s.results.length ? passed / s.results.length : 0,
      cost: s.results.reduce((a, r) => a + r.usage.cost, 0),
      tokens: s.results.reduce((a, r) => a + r.usage.input + r.usage.output, 0),
    },
    results: s.results,
  };
}

/** The report as a terminal table plus the invalid tasks and oracle problems. */
export function formatReport(r: SuiteReport): string {
  const rows = [["task", "pass", "pass@k", "reward", "tokens in/out", "cost $", "time s"]];
  for (const t of r.tasks)
    rows.push([
      t.task,
      t.invalid ? "invalid" : `${t.passed}/${t.attempts}`,
      t.invalid ? "-" : t.passAtK.toFixed(2),
      t.meanReward.toFixed(2),
      `${t.tokens.input}/${t.tokens.output}`,
      t.cost.toFixed(4),
      (t.meanMs / 1000).toFixed(1),
    ]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  const tt = r.totals;
  lines.push(
    "",
    `${tt.passed}/${tt.attempts} attempts passed (${(tt.passRate * 100).toFixed(1)}%), ${tt.tokens} tokens, $${tt.cost.toFixed(4)}, ${(r.durationMs / 1000).toFixed(1)} s`,
  );
  for (const i of r.invalid) lines.push(`invalid: ${i.task}: ${i.reason}`);
  for (const e of r.errors) lines.push(`error: ${e.task} #${e.attempt}: ${e.error}`);
  for (const p of r.oracleProblems ?? []) lines.push(`oracle: ${p.task}: ${p.problem}`);
  if (r.oracleProblems && r.oracleProblems.length === 0 && r.invalid.length === 0)
    lines.push("oracle: every task passes with its solution and fails with no change");
  return `${lines.join("\n")}\n`;
}
