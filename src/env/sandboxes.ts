// The sandboxes of one attempt's phases (set-up, agent, verifier). Each phase gets its own
// bubblewrap backend over the same workspace: the agent's hides the task folder (tests and
// solution are never visible to it) and has the workspace's .git read-only; the verifier's binds
// the tests at /tests and a per-attempt host dir at /logs/verifier, which exist only for it. Every
// phase also sees the workspace at /app, the working directory Harbor tasks are written for.
// No phase has network, except the agent and verifier of a task with `allow_internet = true`,
// which reach any host over HTTP(S) through the sandbox's host proxy.
import { existsSync, mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import type { ResourceLimits } from "../sandbox/index.js";
import type { ExecResult } from "../tools/exec-backend.js";

/** Paths tasks expect inside their environment; they must exist on the host as mount points. */
export const MOUNT_POINTS = ["/app", "/tests", "/solution", "/logs/verifier"];

let mountPointsChecked = false;

/**
 * Creates the (empty) mount points once. The sandbox's root is the host's, read-only, so bwrap
 * cannot create them itself.
 */
export function ensureMountPoints(): void {
  if (mountPointsChecked) return;
  for (const p of MOUNT_POINTS) {
    try {
      mkdirSync(p, { recursive: true });
    } catch (err) {
      throw new Error(
        `cannot create the mount point ${p} (${(err as Error).message}). Fix: create it once as root: ` +
          `sudo mkdir -p ${MOUNT_POINTS.join(" ")} (empty directories; tasks see them only in the sandbox).`,
      );
    }
  }
  mountPointsChecked = true;
}

/** Options of one phase's sandbox. */
export interface PhaseSandbox {
  workspace: string;
  /** $RATCHET_HOME: always hidden. */
  stateDir: string;
  /** Host paths hidden besides the defaults (task folder, suite folder). */
  hide?: string[];
  binds?: { source: string; dest: string; readOnly?: boolean }[];
  /**
   * The task's `allow_internet`: outbound HTTP(S) to any host through the sandbox's host proxy
   * (HTTP_PROXY/HTTPS_PROXY are set; other traffic has no route). Default false: no network.
   */
  internet?: boolean;
  /** The task's `cpus` and `memory_mb` (see phaseLimits). */
  resources?: { cpus?: number; memoryMb?: number };
}

/** The allowlist of a phase with internet: `*`, which the proxy reads as any public host. */
export const INTERNET_ALLOW = ["*"];

/**
 * The sandbox limits for a task's resources: `cpus` → affinity to that many CPUs (when fewer than
 * the host has); `memory_mb` → the memory cgroup limit of each command (all its processes; see
 * call-cgroup.ts), not RLIMIT_AS, which bounds address space that Node, the JVM and Go reserve far
 * beyond what they use (Node does not start under 512 MB of it). The other defaults stay.
 */
export function phaseLimits(
  r: { cpus?: number; memoryMb?: number },
  defaults: ResourceLimits,
): ResourceLimits {
  const limits: ResourceLimits = { ...defaults };
  if (r.cpus !== undefined && r.cpus > 0 && Math.ceil(r.cpus) < availableParallelism()) limits.cpus = r.cpus;
  if (r.memoryMb !== undefined && r.memoryMb > 0) limits.memoryBytes = Math.round(r.memoryMb * 1024 ** 2);
  return limits;
}

/** What an attempt's result says about a task's `memory_mb`: how it is held, or why it is not. */
export async function memoryNote(memoryMb: number): Promise<string> {
  const sb = await import("../sandbox/index.js");
  return sb.memoryLimitEnforceable()
    ? `memory_mb = ${memoryMb}: each command of the set-up, agent and verifier is held to ${memoryMb} MB (a memory cgroup per command, all its processes together)`
    : `memory_mb = ${memoryMb} is recorded, not enforced: this host gives Ratchet no writable memory cgroup (it needs root and the cgroup memory controller)`;
}

/** A closable exec backend for one phase. */
export interface PhaseBackend {
  run(command: string, cwd: string, timeoutSec: number, env?: Record<string, string>): Promise<ExecResult>;
  exec: import("../tools/exec-backend.js").ExecBackend & { close(): Promise<void> };
  close(): Promise<void>;
}

/** Output kept from set-up, oracle and verifier runs. */
export const MAX_SCRIPT_OUTPUT = 64 * 1024;

/** Starts a phase's backend (bubblewrap; the sandbox module is loaded on first use). */
export async function phaseBackend(o: PhaseSandbox): Promise<PhaseBackend> {
  const sb = await import("../sandbox/index.js");
  const isRoot = process.getuid?.() === 0;
  const hide = [
    ...sb.homeDirs(),
    ...sb.DEFAULT_HIDDEN_SYSTEM_PATHS,
    ...(isRoot ? sb.rootOnlySecrets() : []),
    ...(o.hide ?? []),
  ];
  const exec = sb.createSandboxExecBackend({
    workspace: o.workspace,
    stateDir: o.stateDir,
    hide,
    // .git whole, not just hooks and config: the agent must not rewrite history the verifier reads.
    protect: [...sb.DEFAULT_PROTECTED_PATHS, ".git"],
    binds: [
      { source: o.workspace, dest: "/app" },
      // The workspace's own .git is protected by fd; its second view needs the same.
      ...(existsSync(path.join(o.workspace, ".git"))
        ? [{ source: path.join(o.workspace, ".git"), dest: "/app/.git", readOnly: true }]
        : []),
      ...(o.binds ?? []),
    ],
    ...(o.internet ? { network: { allow: INTERNET_ALLOW } } : {}),
    ...(o.resources ? { limits: phaseLimits(o.resources, sb.DEFAULT_LIMITS) } : {}),
  });
  return {
    exec,
    run: (command, cwd, timeoutSec, env) =>
      exec.run({ command, cwd, timeoutMs: timeoutSec * 1000, maxOutputBytes: MAX_SCRIPT_OUTPUT, env }),
    close: () => exec.close(),
  };
}

/** One line saying how a script ended, for reasons and reports. */
export function describeExit(r: ExecResult, what: string, timeoutSec: number): string {
  if (r.timedOut) return `${what} did not finish within ${timeoutSec} s`;
  if (r.aborted) return `${what} was aborted`;
  if (r.signal) return `${what} was killed by ${r.signal}`;
  return `${what} exited with status ${r.exitCode}`;
}

/** The last `n` characters of an output, for reasons. */
export function tail(s: string, n = 400): string {
  const t = s.trim();
  return t.length > n ? `…${t.slice(-n)}` : t;
}
