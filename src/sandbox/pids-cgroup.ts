// A per-call pids cgroup, for hosts where Ratchet runs as root. RLIMIT_NPROC does not bind
// there: the sandbox's uid maps to host uid 0, and the kernel exempts the root user from the
// limit (copy_process checks `user != INIT_USER`), so a fork bomb would only stop at the timeout.
// The pids controller limits the whole call instead. Unprivileged hosts do not need it.
// Best effort: where no pids hierarchy is writable (containers), the probe warns instead.
import * as fs from "node:fs";
import * as path from "node:path";

/** A cgroup directory whose pids.max bounds one call. */
export interface PidsCgroup {
  dir: string;
  /** Removes the (by then empty) cgroup in the background; retries while the kernel finishes reaping. */
  remove(): void;
}

/** The directory under which per-call cgroups are created, or undefined if none is usable. */
export function pidsCgroupParent(root = "/sys/fs/cgroup"): string | undefined {
  const candidates: { base: string; v2: boolean }[] = [
    { base: path.join(root, "pids"), v2: false }, // cgroup v1 (or hybrid) pids hierarchy
    { base: root, v2: true }, // cgroup v2: needs pids enabled for the root's children
  ];
  for (const { base, v2 } of candidates) {
    try {
      if (v2 && !fs.readFileSync(path.join(base, "cgroup.subtree_control"), "utf8").includes("pids"))
        continue;
      if (!fs.existsSync(path.join(base, "cgroup.procs"))) continue;
      const parent = path.join(base, "ratchet-sandbox");
      fs.mkdirSync(parent, { recursive: true });
      if (v2) fs.writeFileSync(path.join(parent, "cgroup.subtree_control"), "+pids");
      fs.accessSync(parent, fs.constants.W_OK);
      sweepStale(parent);
      return parent;
    } catch {
      // not mounted, read-only (containers), or not root: try the next
    }
  }
  return undefined;
}

// Removes per-call cgroups left behind by Ratchet processes that exited before their cgroups
// emptied (removal is retried on unref'd timers, which do not keep a process alive).
function sweepStale(parent: string): void {
  for (const name of fs.readdirSync(parent)) {
    const m = /^call-(\d+)-\d+$/.exec(name);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
      continue; // its owner is alive
    } catch {
      // ESRCH: the owner is gone
    }
    try {
      fs.rmdirSync(path.join(parent, name));
    } catch {
      // still busy; a later sweep gets it
    }
  }
}

let seq = 0;

/** Creates a child cgroup of `parent` with pids.max = `max`; undefined if that fails. */
export function createPidsCgroup(parent: string, max: number): PidsCgroup | undefined {
  const dir = path.join(parent, `call-${process.pid}-${++seq}`);
  try {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "pids.max"), String(Math.max(1, Math.floor(max))));
  } catch {
    try {
      fs.rmdirSync(dir);
    } catch {
      // never created
    }
    return undefined;
  }
  return {
    dir,
    remove() {
      // Off the main thread: removing a cgroup can wait for an RCU grace period too.
      let tries = 0;
      const attempt = () =>
        fs.promises.rmdir(dir).catch((err: NodeJS.ErrnoException) => {
          if (err.code === "EBUSY" && ++tries < 20) setTimeout(attempt, 50).unref();
        });
      void attempt();
    },
  };
}

/**
 * Moves `pid` into the cgroup, on libuv's threadpool: an attach waits for an RCU grace period
 * (~10 ms measured here), so it is done to a standby bwrap before its call (standby.ts), and
 * every process of the call, all forked later by that bwrap, is born inside the cgroup.
 */
export function attachToCgroup(dir: string, pid: number): Promise<void> {
  return fs.promises.writeFile(path.join(dir, "cgroup.procs"), String(pid));
}
