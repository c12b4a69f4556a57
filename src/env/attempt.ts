// One attempt at one task: a fresh workspace from the task's environment, its set-up script in
// the sandbox, the agent (Ratchet with a model, the oracle's solve.sh, or nothing), and then —
// only once every process of the agent is gone — the verifier with the tests bound in. Returns a
// JSON-safe result (the same shape locally and from a queue worker) and the trajectory.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { nonInteractiveApprover } from "../policy/approvals.js";
import type { RatchetConfig } from "../runtime/config.js";
import { startTask } from "../runtime/run-task.js";
import { SessionStore } from "../runtime/session-store.js";
import {
  describeExit,
  ensureMountPoints,
  memoryNote,
  type PhaseBackend,
  phaseBackend,
  tail,
} from "./sandboxes.js";
import type { Task } from "./task.js";
import { type Trajectory, TrajectoryRecorder, totalUsage } from "./trajectory.js";

export type AgentKind = "ratchet" | "oracle" | "none";

/** What an attempt needs besides the task; all JSON-safe (it travels through the queue). */
export interface AttemptOptions {
  agent: AgentKind;
  /** $RATCHET_HOME (hidden from the sandbox; holds config for the ratchet agent). */
  home: string;
  config?: RatchetConfig;
  model?: string;
  /** Per-rollout model server; `{task}` and `{attempt}` are replaced. */
  baseUrl?: string;
  /** Per-rollout headers; `{task}`/`{attempt}` replaced; X-Session-Id is added when absent. */
  headers?: Record<string, string>;
  maxSteps?: number;
  /** Ask the model server for token ids and logprobs (RL rollouts); they go into the trajectory. */
  tokenIds?: boolean;
  /** Where this attempt's files are kept; default a temporary dir removed afterwards. */
  outDir?: string;
  /** Extra host paths hidden from the agent (the suite folder: other tasks' tests and solutions). */
  hide?: string[];
  /** Identifies the run, for automatic session ids. */
  runId?: string;
}

export type AttemptStatus = "passed" | "failed" | "invalid" | "error";

export interface AttemptResult {
  task: string;
  attempt: number;
  agent: AgentKind;
  status: AttemptStatus;
  /** The verifier's reward; null when there is none (invalid task, error). */
  reward: number | null;
  /** Why the task (not the agent) could not be judged. */
  invalid?: string;
  /** Why the attempt could not run (sandbox unavailable, runner bug). */
  error?: string;
  /** How the agent stopped: completed, limit:steps, timeout, error: …, none. */
  exitReason: string;
  sessionId: string;
  model?: string;
  steps: number;
  usage: { input: number; output: number; cached: number; cost: number };
  timings: { setupMs: number; agentMs: number; verifierMs: number; totalMs: number };
  verifierOutput: string;
  notes: string[];
}

/** Runs one attempt; never throws for a bad task or a failing agent. */
export async function runAttempt(
  task: Task,
  attempt: number,
  o: AttemptOptions,
): Promise<{ result: AttemptResult; trajectory: Trajectory }> {
  const t0 = Date.now();
  const root = o.outDir ?? mkdtempSync(path.join(os.tmpdir(), `ratchet-env-${task.name}-`));
  const workspace = path.join(root, "workspace");
  const logs = path.join(root, "logs", "verifier");
  rmSync(workspace, { recursive: true, force: true });
  rmSync(path.join(root, "logs"), { recursive: true, force: true });
  mkdirSync(workspace, { recursive: true });
  mkdirSync(logs, { recursive: true });
  const sessionId = `${o.runId ?? "run"}-${task.name}-${attempt}`;
  const recorder = new TrajectoryRecorder(
    {
      sessionId,
      task: task.name,
      attempt,
      agent: { name: o.agent === "ratchet" ? "ratchet" : `ratchet-${o.agent}`, version: "0.1.0" },
    },
    o.outDir ? path.join(root, "steps.jsonl") : undefined,
  );
  const result: AttemptResult = {
    task: task.name,
    attempt,
    agent: o.agent,
    status: "error",
    reward: null,
    exitReason: "none",
    sessionId,
    steps: 0,
    usage: { input: 0, output: 0, cached: 0, cost: 0 },
    timings: { setupMs: 0, agentMs: 0, verifierMs: 0, totalMs: 0 },
    verifierOutput: "",
    notes: [],
  };
  if (task.allowInternet)
    result.notes.push(
      "the task allows internet access: its set-up, agent and verifier get outbound HTTP(S) to any public host through the sandbox proxy (HTTP_PROXY/HTTPS_PROXY); this machine and private networks stay unreachable",
    );
  if (task.resources.memoryMb !== undefined) result.notes.push(await memoryNote(task.resources.memoryMb));
  try {
    ensureMountPoints();
    const setupError = await setUp(task, workspace, o.home);
    result.timings.setupMs = Date.now() - t0;
    if (setupError) {
      result.status = "invalid";
      result.invalid = setupError;
      return finish();
    }
    recorder.add({ source: "user", message: task.instruction });
    const tAgent = Date.now();
    await runAgent(task, attempt, workspace, o, recorder, result);
    result.timings.agentMs = Date.now() - tAgent;
    if (result.invalid || result.error) return finish(); // nothing to judge
    const tVerify = Date.now();
    await verify(task, workspace, logs, o.home, result);
    result.timings.verifierMs = Date.now() - tVerify;
  } catch (err) {
    result.status = "error";
    result.error = (err as Error).message;
  }
  return finish();

  function finish() {
    result.timings.totalMs = Date.now() - t0;
    const trajectory = recorder.finish({
      exitReason: result.exitReason,
      ...(result.reward !== null ? { reward: result.reward } : {}),
      verifierOutput: result.verifierOutput,
    });
    result.steps = trajectory.steps.filter((s) => s.source === "agent").length;
    if (o.agent === "ratchet") result.usage = totalUsage(trajectory);
    if (trajectory.agent.model) result.model = trajectory.agent.model;
    if (o.outDir) rmSync(workspace, { recursive: true, force: true });
    else rmSync(root, { recursive: true, force: true });
    return { result, trajectory };
  }
}

/** Copies environment/ (minus Dockerfile and setup.sh), runs setup.sh, commits a baseline. */
async function setUp(task: Task, workspace: string, home: string): Promise<string | undefined> {
  if (task.environmentDir) {
    const envDir = task.environmentDir;
    cpSync(envDir, workspace, {
      recursive: true,
      filter: (src) => !["Dockerfile", "setup.sh"].includes(path.relative(envDir, src)),
    });
  }
  if (task.setupScript) {
    // Like a Docker build, set-up may fetch what the task needs, when the task allows the network.
    const sb = await phaseBackend({
      workspace,
      stateDir: home,
      resources: task.resources,
      internet: task.allowInternet,
    });
    try {
      // Passed by value: the task folder may sit under a path the sandbox hides (/tmp, $HOME).
      const script = readFileSync(task.setupScript, "utf8");
      const r = await sb.run('bash -c "$RATCHET_SETUP_SCRIPT" setup.sh', workspace, task.setupTimeoutSec, {
        RATCHET_SETUP_SCRIPT: script,
      });
      if (r.exitCode !== 0)
        return `${describeExit(r, "environment/setup.sh", task.setupTimeoutSec)}: ${tail(r.output)}`;
    } finally {
      await sb.close();
    }
  }
  if (!existsSync(path.join(workspace, ".git"))) gitBaseline(workspace);
  return undefined;
}

/** A git repository with the set-up state committed, so the agent's changes show as a diff. */
function gitBaseline(workspace: string): void {
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=ratchet-env", "-c", "user.email=env@ratchet.invalid", ...args], {
      cwd: workspace,
      stdio: "ignore",
    });
  try {
    git("init", "-q");
    git("add", "-A");
    git("commit", "-q", "--allow-empty", "-m", "task environment");
  } catch {
    // git missing: the workspace works without a baseline
  }
}

async function runAgent(
  task: Task,
  attempt: number,
  workspace: string,
  o: AttemptOptions,
  recorder: TrajectoryRecorder,
  result: AttemptResult,
): Promise<void> {
  if (o.agent === "none") {
    result.exitReason = "none";
    return;
  }
  const hide = [task.dir, ...(o.hide ?? [])];
  if (o.agent === "oracle") {
    if (!task.solutionDir || !task.solutionEntry) {
      result.status = "invalid";
      result.invalid = "the task has no solution/solve.sh (the oracle agent runs it)";
      return;
    }
    const binds = [{ source: task.solutionDir, dest: "/solution", readOnly: true }];
    const sb = await phaseBackend({
      workspace,
      stateDir: o.home,
      hide,
      binds,
      internet: task.allowInternet,
      resources: task.resources,
    });
    try {
      const command = `bash /solution/${task.solutionEntry}`;
      const started = new Date().toISOString();
      const r = await sb.run(command, workspace, task.agentTimeoutSec);
      recorder.add({
        timestamp: started,
        source: "agent",
        message: `Ran the reference solution (${task.solutionEntry}).`,
        toolCalls: [{ id: "oracle-1", name: "exec", arguments: { command } }],
        observations: [{ callId: "oracle-1", content: r.output, isError: r.exitCode !== 0 }],
        durationMs: r.durationMs,
      });
      result.exitReason = r.timedOut
        ? "timeout"
        : r.exitCode === 0
          ? "completed"
          : `error: ${describeExit(r, task.solutionEntry, task.agentTimeoutSec)}`;
    } finally {
      await sb.close(); // every process of the agent is gone before the verifier starts
    }
    return;
  }
  await runRatchet(task, attempt, workspace, hide, o, recorder, result);
}

async function runRatchet(
  task: Task,
  attempt: number,
  workspace: string,
  hide: string[],
  o: AttemptOptions,
  recorder: TrajectoryRecorder,
  result: AttemptResult,
): Promise<void> {
  const sb: PhaseBackend = await phaseBackend({
    workspace,
    stateDir: o.home,
    hide,
    internet: task.allowInternet,
    resources: task.resources,
  });
  const fill = (s: string) => s.replaceAll("{task}", task.name).replaceAll("{attempt}", String(attempt));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.headers ?? {})) headers[k] = fill(v);
  if (!Object.keys(headers).some((k) => k.toLowerCase() === "x-session-id"))
    headers["X-Session-Id"] = result.sessionId;
  // Memory off: what one attempt learns must not leak into the next one's context.
  const config: RatchetConfig = { ...o.config, memory: { ...o.config?.memory, enabled: false } };
  const store = new SessionStore(path.join(path.dirname(workspace), "session.db"));
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), task.agentTimeoutSec * 1000);
  let started: Awaited<ReturnType<typeof startTask>>;
  try {
    started = await startTask({
      home: o.home,
      config,
      store,
      input: task.instruction,
      workspace,
      overrides: {
        ...(o.model ? { model: o.model } : {}),
        ...(o.baseUrl ? { baseUrl: fill(o.baseUrl) } : {}),
        ...(o.tokenIds ? { tokenIds: true } : {}),
        headers,
      },
      limits: { maxSteps: o.maxSteps, maxWallSeconds: task.agentTimeoutSec },
      exec: sb.exec,
      signal: timeout.signal,
      approver: nonInteractiveApprover,
    });
  } catch (err) {
    // The agent never started (no model, bad config): an error of the run, not a failed attempt.
    clearTimeout(timer);
    store.close();
    await sb.close();
    result.status = "error";
    result.error = `the agent could not start: ${(err as Error).message}`;
    result.exitReason = "error";
    return;
  }
  try {
    recorder.trajectory.agent.model = `${started.model.provider}/${started.model.id}`;
    recorder.trajectory.systemPrompt = started.systemPrompt;
    recorder.trajectory.tools = started.tools;
    for await (const ev of started.run) recorder.onEvent(ev);
    const r = await started.run.result;
    result.exitReason = timeout.signal.aborted
      ? "timeout"
      : r.status === "completed"
        ? "completed"
        : r.status === "limit"
          ? `limit:${r.limit}`
          : `${r.status}: ${r.reason ?? ""}`.trim();
  } catch (err) {
    result.exitReason = `error: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
    store.close();
    await sb.close(); // every process of the agent is gone before the verifier starts
  }
}

/** Runs the tests against the workspace and reads the reward. */
async function verify(
  task: Task,
  workspace: string,
  logs: string,
  home: string,
  result: AttemptResult,
): Promise<void> {
  const binds = [
    { source: task.testsDir, dest: "/tests", readOnly: true },
    { source: logs, dest: "/logs/verifier" },
  ];
  const sb = await phaseBackend({
    workspace,
    stateDir: home,
    binds,
    internet: task.allowInternet,
    resources: task.resources,
  });
  let r: Awaited<ReturnType<PhaseBackend["run"]>>;
  try {
    r = await sb.run(`bash /tests/${task.testEntry}`, workspace, task.verifierTimeoutSec, task.verifierEnv);
  } finally {
    await sb.close();
  }
  result.verifierOutput = r.output;
  if (r.exitCode === 126 && r.output.startsWith("ratchet: ")) {
    result.status = "error";
    result.error = r.output.trim();
    return;
  }
  if (r.timedOut) {
    result.status = "invalid";
    result.invalid = `the verifier did not finish within ${task.verifierTimeoutSec} s (verifier.timeout_sec)`;
    return;
  }
  let reward: number | undefined;
  let problem: string | undefined;
  const txt = path.join(logs, "reward.txt");
  const json = path.join(logs, "reward.json");
  if (existsSync(txt)) {
    reward = Number.parseFloat(readFileSync(txt, "utf8").trim());
    if (!Number.isFinite(reward)) problem = "reward.txt does not hold a number";
  } else if (existsSync(json)) {
    try {
      const v = JSON.parse(readFileSync(json, "utf8")) as { reward?: unknown };
      reward = typeof v.reward === "number" ? v.reward : Number.NaN;
    } catch {
      reward = Number.NaN;
    }
    if (!Number.isFinite(reward)) problem = 'reward.json does not hold {"reward": <number>}';
  } else if (task.rewardFromExitCode) reward = r.exitCode === 0 ? 1 : 0;
  else
    problem = `tests/${task.testEntry} wrote no reward (${describeExit(r, "it", task.verifierTimeoutSec)}); it must write a number to /logs/verifier/reward.txt or {"reward": …} to reward.json`;
  if (problem || reward === undefined) {
    result.status = "invalid";
    result.invalid = problem ?? "no reward";
    return;
  }
  result.reward = reward;
  result.status = reward >= 1 ? "passed" : "failed";
}
