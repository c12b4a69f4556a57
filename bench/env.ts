// Benchmark: what the evaluation runner costs. Runs the bundled suite with the oracle agent and
// reports, per attempt, the framework and sandbox overhead — the attempt's wall time minus the
// time the same scripts (setup.sh, solve.sh, test.sh) take run bare on the host in a copy of the
// environment — and attempts per minute at concurrency 1, 2 and 4. An oracle run includes one
// no-change verifier run per task; those count as attempts here. The machine may be shared: the
// numbers are for reading, nothing asserts on them.
//
//   npm run build && npm run bench:env            # whole suite, concurrency 1 2 4
//   node dist/bench/env.js --suite envs/suite --levels 1,2
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runSuite } from "../src/env/runner.js";
import { isInvalid, loadTasks, type Task } from "../src/env/task.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({
  options: {
    suite: { type: "string", default: path.join(ROOT, "envs", "suite") },
    levels: { type: "string", default: "1,2,4" },
  },
});
const levels = values.levels.split(",").map(Number);
const tasks = loadTasks(values.suite).filter((t): t is Task => !isInvalid(t));

// The sandbox hides $HOME, so tools installed there (e.g. pyenv shims) are not on its PATH; the
// bare baseline must resolve the same binaries.
const home0 = os.homedir();
const barePath = (process.env.PATH ?? "/usr/bin:/bin")
  .split(":")
  .filter((p) => p !== home0 && !p.startsWith(`${home0}/`))
  .join(":");

/** Wall ms of the task's own scripts run bare on the host: setup + solve + tests, and tests alone. */
function bareMs(task: Task): { oracle: number; noChange: number } {
  const run = (ws: string, script: string) => {
    const t = Date.now();
    try {
      execFileSync("bash", [script], { cwd: ws, stdio: "ignore", env: { ...process.env, PATH: barePath } });
    } catch {
      // a failing verifier (no change) is expected
    }
    return Date.now() - t;
  };
  const fresh = () => {
    const ws = mkdtempSync(path.join(os.tmpdir(), "ratchet-bench-env-"));
    if (task.environmentDir) cpSync(task.environmentDir, ws, { recursive: true });
    const setup = task.setupScript ? run(ws, task.setupScript) : 0;
    return { ws, setup };
  };
  mkdirSync("/logs/verifier", { recursive: true });
  const test = path.join(task.testsDir, task.testEntry);
  const a = fresh();
  const oracle =
    a.setup +
    (task.solutionDir ? run(a.ws, path.join(task.solutionDir, task.solutionEntry ?? "")) : 0) +
    run(a.ws, test);
  const b = fresh();
  const noChange = b.setup + run(b.ws, test);
  rmSync(a.ws, { recursive: true, force: true });
  rmSync(b.ws, { recursive: true, force: true });
  return { oracle, noChange };
}

// Median of three, so one slow first run (cold caches) does not set the baseline.
const median3 = (t: Task) => {
  const runs = [bareMs(t), bareMs(t), bareMs(t)];
  const mid = (k: "oracle" | "noChange") => runs.map((r) => r[k]).sort((a, b) => a - b)[1];
  return { oracle: mid("oracle"), noChange: mid("noChange") };
};
const bare = new Map(tasks.map((t) => [t.name, median3(t)]));
const home = mkdtempSync(path.join(os.tmpdir(), "ratchet-bench-env-home-"));
const rows: string[][] = [
  [
    "concurrency",
    "attempts",
    "wall s",
    "attempts/min",
    "mean attempt ms",
    "overhead ms/attempt",
    "setup",
    "agent",
    "verifier",
  ],
];
for (const c of levels) {
  const results: { totalMs: number; setupMs: number; agentMs: number; verifierMs: number; bare: number }[] =
    [];
  const t0 = Date.now();
  const report = await runSuite({
    path: values.suite,
    agent: "oracle",
    home,
    attempts: 1,
    concurrency: c,
    onAttempt: (r) => {
      const b = bare.get(r.task);
      results.push({ ...r.timings, bare: r.agent === "none" ? (b?.noChange ?? 0) : (b?.oracle ?? 0) });
    },
  });
  const wall = Date.now() - t0;
  if (report.invalid.length > 0 || (report.oracleProblems?.length ?? 0) > 0)
    console.error("warning: the suite is not sound:", report.invalid, report.oracleProblems);
  const mean = (f: (r: (typeof results)[number]) => number) =>
    results.reduce((a, r) => a + f(r), 0) / results.length;
  rows.push([
    String(c),
    String(results.length),
    (wall / 1000).toFixed(1),
    ((results.length / wall) * 60_000).toFixed(0),
    mean((r) => r.totalMs).toFixed(0),
    mean((r) => r.totalMs - r.bare).toFixed(0),
    mean((r) => r.setupMs).toFixed(0),
    mean((r) => r.agentMs).toFixed(0),
    mean((r) => r.verifierMs).toFixed(0),
  ]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i])).join("  "));
const bareMean = [...bare.values()].reduce((a, b) => a + b.oracle, 0) / bare.size;
console.log(
  `\n${tasks.length} tasks; the same scripts run bare on the host take ${bareMean.toFixed(0)} ms per oracle attempt on average.`,
);
console.log(`cores: ${os.cpus().length}; load average: ${os.loadavg()[0].toFixed(2)}`);
if (existsSync(home)) rmSync(home, { recursive: true, force: true });
