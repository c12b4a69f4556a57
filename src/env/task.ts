// Loads evaluation tasks from disk: Harbor task folders (task.toml, instruction.md, environment/,
// tests/test.sh, solution/solve.sh) as they are, and Terminal-Bench 1 folders (task.yaml,
// run-tests.sh, solution.sh) on a best-effort basis. A folder that cannot be run comes back as an
// InvalidTask with the reason, so one broken task never stops a suite.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";

/** One runnable task, resolved from its folder. */
export interface Task {
  name: string;
  /** Absolute path of the task folder. */
  dir: string;
  format: "harbor" | "terminal-bench-1";
  /** Exactly what the agent is given. */
  instruction: string;
  agentTimeoutSec: number;
  verifierTimeoutSec: number;
  setupTimeoutSec: number;
  /** Extra variables for the verifier (task.toml [verifier].env). */
  verifierEnv: Record<string, string>;
  /** Whether the task lets the agent reach the internet (default: no network at all). */
  allowInternet: boolean;
  /** Files copied into a fresh workspace (environment/ minus Dockerfile and setup.sh); may be absent. */
  environmentDir?: string;
  /** Run in the sandbox, in the workspace, before the agent starts. */
  setupScript?: string;
  /** Folder bound at /tests for the verifier only. */
  testsDir: string;
  /** Entry point inside testsDir (test.sh, or run-tests.sh for Terminal-Bench 1). */
  testEntry: string;
  /** Terminal-Bench 1 reports by exit status; Harbor tasks must write a reward file. */
  rewardFromExitCode: boolean;
  /** Folder bound at /solution for the oracle agent; entry solve.sh. */
  solutionDir?: string;
  solutionEntry?: string;
  /** Resource hints from the task (recorded; the sandbox applies its own limits). */
  resources: { cpus?: number; memoryMb?: number };
}

export interface InvalidTask {
  name: string;
  dir: string;
  invalid: string;
}

export type LoadedTask = Task | InvalidTask;

export const isInvalid = (t: LoadedTask): t is InvalidTask => "invalid" in t;

const DEFAULT_AGENT_TIMEOUT = 600;
const DEFAULT_VERIFIER_TIMEOUT = 120;
const DEFAULT_SETUP_TIMEOUT = 600;

/** Whether `dir` is itself a task folder (rather than a suite of them). */
export function isTaskDir(dir: string): boolean {
  return ["task.toml", "task.yaml", "instruction.md"].some((f) => existsSync(path.join(dir, f)));
}

/** The tasks under `dir`: the folder itself if it is a task, else each subfolder, sorted by name. */
export function loadTasks(dir: string): LoadedTask[] {
  const abs = path.resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory())
    throw new Error(`${abs} is not a directory. Pass a task folder or a folder of task folders.`);
  if (isTaskDir(abs)) return [loadTask(abs)];
  const subdirs = readdirSync(abs, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith("."))
    .map((d) => path.join(abs, d.name))
    .sort();
  if (subdirs.length === 0)
    throw new Error(`${abs} holds no task folders (each needs task.toml and instruction.md).`);
  return subdirs.map(loadTask);
}

/** Loads one folder; never throws for a malformed task. */
export function loadTask(dir: string): LoadedTask {
  const abs = path.resolve(dir);
  const name = path.basename(abs);
  try {
    if (existsSync(path.join(abs, "task.toml"))) return loadHarbor(abs, name);
    if (existsSync(path.join(abs, "task.yaml"))) return loadTerminalBench1(abs, name);
    return { name, dir: abs, invalid: "no task.toml (Harbor) or task.yaml (Terminal-Bench 1) in the folder" };
  } catch (err) {
    return { name, dir: abs, invalid: (err as Error).message };
  }
}

function loadHarbor(dir: string, name: string): LoadedTask {
  let toml: Record<string, unknown>;
  try {
    toml = parseToml(readFileSync(path.join(dir, "task.toml"), "utf8")) as Record<string, unknown>;
  } catch (err) {
    return { name, dir, invalid: `task.toml does not parse: ${firstLine((err as Error).message)}` };
  }
  const missing = ["instruction.md", "tests/test.sh"].filter((f) => !isFile(path.join(dir, f)));
  if (missing.length > 0) return { name, dir, invalid: `missing ${missing.join(", ")}` };
  const agent = table(toml, "agent");
  const verifier = table(toml, "verifier");
  const env = table(toml, "environment");
  const envDir = path.join(dir, "environment");
  const solutionDir = path.join(dir, "solution");
  return {
    name,
    dir,
    format: "harbor",
    instruction: readFileSync(path.join(dir, "instruction.md"), "utf8"),
    agentTimeoutSec: seconds(agent.timeout_sec, "agent.timeout_sec", DEFAULT_AGENT_TIMEOUT),
    verifierTimeoutSec: seconds(verifier.timeout_sec, "verifier.timeout_sec", DEFAULT_VERIFIER_TIMEOUT),
    setupTimeoutSec: seconds(env.build_timeout_sec, "environment.build_timeout_sec", DEFAULT_SETUP_TIMEOUT),
    verifierEnv: stringMap(verifier.env, "verifier.env"),
    allowInternet: env.allow_internet === true,
    ...(isDir(envDir) ? { environmentDir: envDir } : {}),
    ...(isFile(path.join(envDir, "setup.sh")) ? { setupScript: path.join(envDir, "setup.sh") } : {}),
    testsDir: path.join(dir, "tests"),
    testEntry: "test.sh",
    rewardFromExitCode: false,
    ...(isFile(path.join(solutionDir, "solve.sh")) ? { solutionDir, solutionEntry: "solve.sh" } : {}),
    resources: {
      ...(typeof env.cpus === "number" ? { cpus: env.cpus } : {}),
      ...(typeof env.memory_mb === "number" ? { memoryMb: env.memory_mb } : {}),
    },
  };
}

/** Terminal-Bench 1: instruction in task.yaml, run-tests.sh + tests/, solution.sh; pass = exit 0. */
function loadTerminalBench1(dir: string, name: string): LoadedTask {
  let y: Record<string, unknown>;
  try {
    y = (parseYaml(readFileSync(path.join(dir, "task.yaml"), "utf8")) ?? {}) as Record<string, unknown>;
  } catch (err) {
    return { name, dir, invalid: `task.yaml does not parse: ${firstLine((err as Error).message)}` };
  }
  const instruction =
    typeof y.instruction === "string"
      ? y.instruction
      : Array.isArray(y.descriptions) && typeof y.descriptions[0]?.description === "string"
        ? (y.descriptions[0].description as string)
        : undefined;
  if (!instruction) return { name, dir, invalid: "task.yaml has no instruction" };
  if (!isFile(path.join(dir, "run-tests.sh"))) return { name, dir, invalid: "missing run-tests.sh" };
  const setup = ["setup.sh", "environment/setup.sh"].map((f) => path.join(dir, f)).find(isFile);
  return {
    name,
    dir,
    format: "terminal-bench-1",
    instruction,
    agentTimeoutSec: seconds(y.max_agent_timeout_sec, "max_agent_timeout_sec", DEFAULT_AGENT_TIMEOUT),
    verifierTimeoutSec: seconds(y.max_test_timeout_sec, "max_test_timeout_sec", DEFAULT_VERIFIER_TIMEOUT),
    setupTimeoutSec: DEFAULT_SETUP_TIMEOUT,
    verifierEnv: {},
    allowInternet: false,
    ...(isDir(path.join(dir, "environment")) ? { environmentDir: path.join(dir, "environment") } : {}),
    ...(setup ? { setupScript: setup } : {}),
    // run-tests.sh sits beside tests/; the whole task folder is bound at /tests for it.
    testsDir: dir,
    testEntry: "run-tests.sh",
    rewardFromExitCode: true,
    ...(isFile(path.join(dir, "solution.sh")) ? { solutionDir: dir, solutionEntry: "solution.sh" } : {}),
    resources: {},
  };
}

function table(doc: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = doc[key];
  if (v === undefined) return {};
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new Error(`task.toml: [${key}] must be a table`);
  return v as Record<string, unknown>;
}

function seconds(v: unknown, key: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0)
    throw new Error(`${key} must be a positive number of seconds, got ${JSON.stringify(v)}`);
  return v;
}

function stringMap(v: unknown, key: string): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v !== "object" || v === null) throw new Error(`${key} must be a table of strings`);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();
const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const firstLine = (s: string) => s.split("\n")[0] ?? s;
