// ExecBackend that runs every command under bubblewrap: read-only root, the workspace read-write,
// home, /tmp, /run and Ratchet's state hidden, agent config in the workspace read-only, host Unix
// sockets masked, new user, PID, IPC, UTS, cgroup and network namespaces, no capabilities, a
// cleared environment, a seccomp filter, resource limits, and inherited fds closed. It fails
// closed: if no sandbox can start, every call returns an error result saying why and how to fix
// it, and nothing runs.
//
// Lifetime: every process of a call dies when the call ends. The command's shell is the PID
// namespace's init; when it exits, or when a timeout or abort SIGKILLs bwrap (whose death takes
// the sandbox with it via --die-with-parent), the kernel kills whatever is left, setsid and
// double-forked daemons included. The host backend, by contrast, leaves background processes
// running after a normal exit.
import { once } from "node:events";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ExecBackend, ExecRequest, ExecResult } from "../tools/exec-backend.js";
import { minimalEnv } from "../tools/exec-host.js";
import { callArgs, defaultSandboxIds, encodeArgs, standbyArgv } from "./bwrap-args.js";
import { outOfMemoryNote, planCallCgroups } from "./call-cgroup.js";
import {
  DEFAULT_HIDDEN_SYSTEM_PATHS,
  DEFAULT_PROTECTED_PATHS,
  homeDirs,
  LayoutRaceError,
  planStaticLayout,
  rootOnlySecrets,
  type StaticLayout,
  visibleHostSockets,
} from "./layout.js";
import { type NetworkOptions, type NetworkPlan, planNetwork } from "./network-plan.js";
import { probeSandbox, type SandboxProbe } from "./probe.js";
import { type AllowlistProxy, startAllowlistProxy } from "./proxy.js";
import { SANDBOX_START_FAILED, superviseSandbox } from "./sandbox-process.js";
import { buildSeccompFilter } from "./seccomp.js";
import { ARGS_FD, FIRST_PROTECTED_FD, SECCOMP_FD, Standby, type StandbySpec } from "./standby.js";
import { AF, hostSeccompArch } from "./syscalls.js";
import { preludeScript, type ResourceLimits } from "./wrapper.js";

/**
 * Resource limit defaults: generous for builds and test suites, fatal for runaways. A call's memory
 * is capped at half the host's (at most 8 GiB), so a runaway command cannot push the host, and the
 * daemon running it, into the host's OOM killer.
 */
export const DEFAULT_LIMITS: Required<Omit<ResourceLimits, "cpus">> = {
  cpuSeconds: 900,
  addressSpaceBytes: 8 * 1024 ** 3,
  processes: 1024,
  fileSizeBytes: 4 * 1024 ** 3,
  memoryBytes: Math.min(8 * 1024 ** 3, Math.floor(os.totalmem() / 2)),
};

/** Size cap of each tmpfs (home, /tmp, /run); they are memory-backed. */
export const DEFAULT_TMPFS_BYTES = 1024 ** 3;

/** Options of the sandbox backend; only `workspace` is required. */
export interface SandboxOptions {
  /** Workspace root, bound read-write; a request whose cwd is outside it is refused. */
  workspace: string;
  /** Ratchet's state dir, always hidden; default $RATCHET_HOME, else ~/.ratchet. */
  stateDir?: string;
  /**
   * Host paths hidden inside (dirs: empty tmpfs; files: /dev/null). Default: $HOME and the
   * account's passwd home, /tmp, /run, /var/run, and when Ratchet runs as root also
   * /etc/shadow, /etc/gshadow (and backups) and the SSH host keys. A given list replaces the
   * default; the state dir is always added.
   */
  hide?: string[];
  /** Host paths re-exposed read-only after hiding, e.g. a toolchain under $HOME. Default none. */
  exposeReadOnly?: string[];
  /** Workspace-relative paths bound read-only if they exist. Default DEFAULT_PROTECTED_PATHS. */
  protect?: string[];
  /** Per-process limits; each default is in DEFAULT_LIMITS; a field set to undefined lifts that limit. */
  limits?: ResourceLimits;
  /** Network: none by default; with `allow`, HTTP(S) to those domains through a host proxy. */
  network?: NetworkOptions;
  /** Environment every command starts from; default `minimalEnv()`. HOME names the hidden (empty) home. */
  baseEnv?: Record<string, string>;
  /** Ids inside the namespace; default `defaultSandboxIds()`. */
  uid?: number;
  gid?: number;
  /** Default DEFAULT_TMPFS_BYTES. */
  tmpfsSizeBytes?: number;
  /** Default "bwrap" (from PATH). */
  bwrapPath?: string;
  /** Default /bin/bash; the prelude needs bash. */
  shell?: string;
  /** After bwrap exits, how long to keep reading pipes. Default 100 ms. */
  drainMs?: number;
  /**
   * When Ratchet runs as root, enforce `limits.processes` and `limits.memoryBytes` with per-call
   * cgroups (call-cgroup.ts; RLIMIT_NPROC does not bind for root). Default true where the
   * hierarchies are writable; the attach happens ahead of the call (standby.ts), so it adds no
   * latency while calls are not back to back.
   */
  cgroups?: boolean;
  /** Host dirs bound at fixed paths inside (see MountPlan.binds); default none. */
  binds?: { source: string; dest: string; readOnly?: boolean }[];
}

/** The sandbox backend; `close` stops its warm standby bwrap and the proxy, if one was started. */
export interface SandboxExecBackend extends ExecBackend {
  /** The (cached) result of probing the sandbox; commands run only when it is ok. */
  probe(): Promise<SandboxProbe>;
  close(): Promise<void>;
}

/** Exit status of a refused call (POSIX "cannot execute"). */
export const SANDBOX_REFUSED_EXIT = 126;

const within = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);
const isRoot = () => process.getuid?.() === 0;

/** Runs each command under bubblewrap; see the file header for the guarantees. */
export function createSandboxExecBackend(opts: SandboxOptions): SandboxExecBackend {
  const shell = opts.shell ?? "/bin/bash";
  const bwrap = opts.bwrapPath ?? "bwrap";
  const limits: ResourceLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const ids = defaultSandboxIds();
  const uid = opts.uid ?? ids.uid;
  const gid = opts.gid ?? ids.gid;
  const baseEnv = opts.baseEnv ?? minimalEnv();
  const stateDir = opts.stateDir ?? process.env.RATCHET_HOME ?? path.join(os.homedir(), ".ratchet");
  // Created if missing, so it is hidden even when the runtime creates it after this backend.
  try {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  } catch {
    // unwritable parent: nothing can be stored there either
  }
  const homes = homeDirs();
  const defaultHide = [...homes, ...DEFAULT_HIDDEN_SYSTEM_PATHS, ...(isRoot() ? rootOnlySecrets() : [])];
  const hide = [...(opts.hide ?? defaultHide), stateDir];
  const network: NetworkPlan | undefined =
    opts.network && opts.network.allow.length > 0 ? planNetwork(opts.network, baseEnv.PATH ?? "") : undefined;

  let layout: StaticLayout | undefined;
  let layoutError: string | undefined;
  try {
    layout = planStaticLayout({
      workspace: opts.workspace,
      hide,
      exposeReadOnly: [...(opts.exposeReadOnly ?? []), ...(network?.exposeReadOnly ?? [])],
      tmpfsSizeBytes: opts.tmpfsSizeBytes ?? DEFAULT_TMPFS_BYTES,
    });
  } catch (err) {
    layoutError = `workspace ${opts.workspace} is not usable: ${(err as Error).message}`;
  }
  const arch = hostSeccompArch();
  const families = network ? [AF.UNIX, AF.INET, AF.INET6] : [AF.UNIX];
  const filter = arch ? buildSeccompFilter({ arch, allowSocketFamilies: families }) : undefined;
  const prelude = preludeScript({ limits, bridge: network?.bridge });
  const { parents: cgroupParents, warnings } = planCallCgroups(limits, opts.limits, opts.cgroups !== false);
  const home = baseEnv.HOME ?? homes[0] ?? "/";

  let probed: Promise<SandboxProbe> | undefined;
  const probe = () => {
    probed ??= probeSandbox({ bwrapPath: bwrap, shell, warnings });
    return probed;
  };
  let proxy: Promise<AllowlistProxy> | undefined;
  const ensureProxy = async () => {
    if (!network || !opts.network) return;
    proxy ??= startAllowlistProxy({ allow: opts.network.allow, socketPath: network.bridge.socketPath });
    await proxy;
  };

  const refusal = (message: string, started: number): ExecResult => ({
    exitCode: SANDBOX_REFUSED_EXIT,
    signal: null,
    timedOut: false,
    aborted: false,
    output: `ratchet: ${message}\n`,
    truncated: false,
    durationMs: Date.now() - started,
  });
  const abortedResult = (started: number): ExecResult => ({
    ...refusal("", started),
    exitCode: null,
    aborted: true,
    output: "",
  });

  async function run(req: ExecRequest): Promise<ExecResult> {
    const started = Date.now();
    if (req.signal?.aborted) return abortedResult(started);
    const p = await probe();
    if (!p.ok) return refusal(`the command sandbox is unavailable: ${p.reason}\nFix: ${p.fix}`, started);
    if (!layout || !filter)
      return refusal(
        `the command sandbox cannot be set up: ${layoutError ?? "unsupported architecture"}`,
        started,
      );
    let cwd: string;
    try {
      cwd = fs.realpathSync.native(req.cwd);
    } catch (err) {
      throw new Error(`cannot run in ${req.cwd}: ${(err as Error).message}`, { cause: err });
    }
    if (!within(cwd, layout.workspace))
      return refusal(
        `refusing to run outside the sandbox's workspace: ${cwd} is not in ${layout.workspace}`,
        started,
      );
    try {
      await ensureProxy();
    } catch (err) {
      return refusal(`the network allowlist proxy could not start: ${(err as Error).message}`, started);
    }
    // A host socket can vanish between the /proc/net/unix listing and bwrap's mounts; bwrap then
    // fails to bind over it before the command starts (the command did not run). List again and
    // retry a few times.
    for (let attempt = 1; ; attempt++) {
      const res = await runOnce(req, started, cwd);
      if (attempt >= 5 || !res.vanishedSocket) return res.result;
    }
  }

  /** One start of a sandbox for `req`; reports whether bwrap failed on a socket it was to mask. */
  async function runOnce(
    req: ExecRequest,
    started: number,
    cwd: string,
  ): Promise<{ result: ExecResult; vanishedSocket?: boolean }> {
    const done = (result: ExecResult) => ({ result });
    if (req.signal?.aborted) return done(abortedResult(started));
    if (!layout || !filter) throw new Error("unreachable: runOnce without a layout");

    let standby: Standby;
    try {
      standby = takeStandby();
      await standby.ready;
      if (standby.spawnError || standby.child.pid === undefined) {
        // A failed spawn always emits "error", possibly not yet.
        const err = standby.spawnError ?? ((await once(standby.child, "error"))[0] as Error);
        standby.discard();
        throw err;
      }
    } catch (err) {
      if (err instanceof LayoutRaceError) return done(refusal(err.message, started));
      throw err;
    }
    const keep = () => {
      if (spare || closed) standby.discard();
      else spare = standby; // unused: it serves the next call
    };
    if (req.signal?.aborted) {
      keep();
      return done(abortedResult(started));
    }
    const proxySocket = network?.bridge.socketPath;
    const maskedSockets = visibleHostSockets(layout, proxySocket ? [proxySocket] : []);
    let args: Buffer;
    try {
      args = encodeArgs(
        callArgs({
          mounts: {
            ...layout,
            protectedFds: standby.protectedPaths.map((p, i) => ({ fd: FIRST_PROTECTED_FD + i, path: p })),
            maskedSockets,
            proxySocket,
            ...(opts.binds ? { binds: opts.binds } : {}),
          },
          cwd,
          env: { ...baseEnv, HOME: home, ...req.env, ...network?.env },
          seccompFd: SECCOMP_FD,
          command: req.command,
        }),
      );
    } catch (err) {
      keep();
      throw err;
    }
    standby.start(args, filter);
    setImmediate(refill); // the next call's bwrap starts while this one runs
    let oomKilled = false;
    const result = await superviseSandbox(standby.child, req, started, {
      drainMs: opts.drainMs ?? 100,
      onDone: () => {
        oomKilled = standby.cgroup?.oomKilled() ?? false;
        standby.cgroup?.remove();
      },
    });
    if (oomKilled) result.output += outOfMemoryNote(standby.cgroup?.memoryBytes);
    const vanishedSocket =
      result.output.startsWith(SANDBOX_START_FAILED) &&
      maskedSockets.some((p) => result.output.includes(`${p}:`));
    return { result, vanishedSocket };
  }

  // One warm standby; a call takes it if it still fits, else starts a fresh one.
  let spare: Standby | undefined;
  let closed = false;
  const standbySpec = (): StandbySpec => ({
    argv: standbyArgv({ bwrap, uid, gid, argsFd: ARGS_FD, shell, prelude }),
    workspace: layout!.workspace,
    protect: opts.protect ?? DEFAULT_PROTECTED_PATHS,
    ...(Object.keys(cgroupParents).length > 0
      ? {
          cgroup: {
            parents: cgroupParents,
            limits: { pids: limits.processes, memoryBytes: limits.memoryBytes },
          },
        }
      : {}),
  });
  const takeStandby = (): Standby => {
    const s = spare;
    spare = undefined;
    if (s?.fits()) return s;
    s?.discard();
    return new Standby(standbySpec());
  };
  const refill = () => {
    if (spare || closed) return;
    try {
      spare = new Standby(standbySpec());
    } catch {
      // the next call starts its own and reports the error
    }
  };

  return {
    run,
    probe,
    async close() {
      closed = true;
      spare?.discard();
      spare = undefined;
      const p = proxy;
      proxy = undefined;
      if (p) await (await p.catch(() => undefined))?.close();
      if (network) fs.rmSync(network.dir, { recursive: true, force: true });
    },
  };
}
