// A bwrap process started before its call is known, so the call does not pay for it. Starting
// bwrap (Node's fork/exec plus dynamic linking, ~3-4 ms) and moving it into its call's cgroups (a
// cgroup attach waits for an RCU grace period, ~10 ms here) both happen ahead of time; the call
// then only writes its options into the `--args` pipe, where bwrap is blocked, and the seccomp
// program into its pipe. The backend keeps one standby warm and replaces it as each call starts.
//
// Workspace paths that must be read-only are bound by fd (so a symlink swapped in by a
// concurrent call cannot redirect the bind to a hidden place). Those fds must be in bwrap's fd
// table from the start, so a standby opens them when it is created and records what it opened;
// a call uses the standby only if the same paths still resolve to the same inodes, and otherwise
// starts a fresh one.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import type { Readable, Writable } from "node:stream";
import { type CallCgroup, type CallLimits, type CgroupParents, createCallCgroup } from "./call-cgroup.js";
import { openProtectedPaths, type ProtectedTarget, protectedTargets } from "./layout.js";

/** fd numbers inside bwrap: 0-2 stdio, the args pipe, the seccomp pipe, then protected paths. */
export const ARGS_FD = 3;
export const SECCOMP_FD = 4;
export const FIRST_PROTECTED_FD = 5;

/** How to start a standby. */
export interface StandbySpec {
  /** Full argv (standbyArgv with argsFd ARGS_FD). */
  argv: string[];
  workspace: string;
  protect: readonly string[];
  /** Cgroups per call (call-cgroup.ts): where to create them and what they limit. */
  cgroup?: { parents: CgroupParents; limits: CallLimits };
}

/** A started bwrap waiting for its call. */
export class Standby {
  readonly child: ChildProcess;
  /** Workspace paths bound read-only, at FIRST_PROTECTED_FD + i. */
  readonly protectedPaths: string[];
  readonly cgroup: CallCgroup | undefined;
  /** Resolves once the standby may be used (its cgroup attach has finished or failed). */
  readonly ready: Promise<void>;
  /** Set if bwrap could not be started (emitted on the next tick after spawning). */
  spawnError: Error | undefined;
  private readonly opened: ProtectedTarget[];
  private readonly spec: StandbySpec;
  private used = false;

  /** Spawns bwrap; throws if it cannot be started or a protected path changed under us. */
  constructor(spec: StandbySpec) {
    this.spec = spec;
    const fds = openProtectedPaths(spec.workspace, spec.protect);
    try {
      this.opened = fds.map(({ path: p, dev, ino }) => ({ path: p, dev, ino }));
      this.protectedPaths = fds.map((f) => f.path);
      this.cgroup = spec.cgroup ? createCallCgroup(spec.cgroup.parents, spec.cgroup.limits) : undefined;
      this.child = spawn(spec.argv[0], spec.argv.slice(1), {
        cwd: "/",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, // only to find bwrap: --clearenv follows
        detached: true, // own process group: one kill reaches bwrap
        stdio: ["ignore", "pipe", "pipe", "pipe", "pipe", ...fds.map((f) => f.fd)],
      });
    } catch (err) {
      this.cgroup?.remove();
      throw err;
    } finally {
      for (const { fd } of fds) fs.closeSync(fd);
    }
    for (const s of this.sideChannels()) s.on("error", () => {}); // bwrap may exit first; its status says why
    this.child.on("error", (err) => {
      this.spawnError = err; // e.g. ENOENT: reported by the call that takes this standby
    });
    this.setRef(false);
    const pid = this.child.pid;
    this.ready =
      this.cgroup && pid !== undefined
        ? this.cgroup.attach(pid).catch(() => undefined) // best effort; the rlimits are set too
        : Promise.resolve();
  }

  /** Whether this standby can serve a call now: alive, unused, and protecting the same inodes. */
  fits(): boolean {
    const c = this.child;
    if (this.used || this.spawnError || c.exitCode !== null || c.signalCode !== null || c.pid === undefined)
      return false;
    const now = protectedTargets(this.spec.workspace, this.spec.protect);
    return (
      now.length === this.opened.length &&
      now.every(
        (o, i) =>
          o.path === this.opened[i].path && o.dev === this.opened[i].dev && o.ino === this.opened[i].ino,
      )
    );
  }

  /** Hands bwrap its call; from here on the caller supervises `child`. */
  start(args: Buffer, seccomp: Buffer): void {
    this.used = true;
    this.setRef(true);
    const [argsPipe, seccompPipe] = this.sideChannels();
    argsPipe.end(args);
    seccompPipe.end(seccomp);
  }

  /** Kills an unused standby and removes its cgroup. */
  discard(): void {
    if (this.used) return;
    this.used = true;
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, "SIGKILL");
    } catch {
      // already gone
    }
    for (const s of this.sideChannels()) s.destroy();
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    this.child.once("exit", () => this.cgroup?.remove());
  }

  /** The args and seccomp pipes. */
  sideChannels(): (Readable & Writable)[] {
    return this.child.stdio.slice(ARGS_FD, SECCOMP_FD + 1) as (Readable & Writable)[];
  }

  // An idle standby must not keep the runtime's event loop alive.
  private setRef(on: boolean): void {
    const streams = [this.child.stdout, this.child.stderr, ...this.sideChannels()] as unknown as {
      ref?(): void;
      unref?(): void;
    }[];
    for (const s of streams) (on ? s?.ref : s?.unref)?.call(s);
    if (on) this.child.ref();
    else this.child.unref();
  }
}
