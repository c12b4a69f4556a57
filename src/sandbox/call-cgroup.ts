// A cgroup per sandboxed call, for hosts where Ratchet runs as root:
//  - pids: RLIMIT_NPROC does not bind there (the sandbox's uid maps to host uid 0, and the kernel
//    exempts the root user: copy_process checks `user != INIT_USER`), so a fork bomb would only stop
//    at the timeout; pids.max limits the whole call instead;
//  - memory: the only per-process tool, RLIMIT_AS, bounds address space, which Node, the JVM and Go
//    reserve far beyond what they use, and it is per process. A memory cgroup bounds what the whole
//    call really uses (every process, and the pages of its tmpfs files); past it the kernel's OOM
//    killer ends a process of the call, not some process of the host's.
// cgroup v1 keeps each controller in its own hierarchy, so a call has a directory in each; v2 has
// one directory with both. Per-call groups go under our own cgroup (v1), so they stay inside any
// limit the host set for us. Best effort: where nothing is writable (not root, read-only
// containers) the backend warns instead, and the per-process rlimits still apply.
import * as fs from "node:fs";
import * as path from "node:path";
import type { ResourceLimits } from "./wrapper.js";

/** The controllers a call can be limited by. */
export type Controller = "pids" | "memory";

/** Parent directories of per-call cgroups, per controller (the same directory on cgroup v2). */
export type CgroupParents = Partial<Record<Controller, string>>;

/** What one call may use. */
export interface CallLimits {
  pids?: number;
  memoryBytes?: number;
}

const PARENT_NAME = "ratchet-sandbox";

/** Our own cgroup path in each v1 hierarchy ("4:memory:/a/b" → memory: "/a/b"), from /proc/self/cgroup. */
function ownV1Paths(): Map<string, string> {
  const out = new Map<string, string>();
  try {
    for (const line of fs.readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
      const [, controllers, p] = line.split(":");
      if (controllers && p !== undefined) for (const c of controllers.split(",")) out.set(c, p);
    }
  } catch {
    // no procfs: the hierarchy roots are all we can try
  }
  return out;
}

const isRoot = () => process.getuid?.() === 0;

/** Parents found so far, per root and controller list: finding them creates and sweeps directories. */
const found = new Map<string, CgroupParents>();

/**
 * The usable parent for each controller in `want` (missing where none is writable). Looked up once
 * per process: every exec backend (one per daemon run) asks, and the answer does not change.
 */
export function callCgroupParents(want: readonly Controller[], root = "/sys/fs/cgroup"): CgroupParents {
  const key = `${root}\0${want.join(",")}`;
  let parents = found.get(key);
  if (!parents) {
    parents = findParents(want, root);
    found.set(key, parents);
  }
  return parents;
}

function findParents(want: readonly Controller[], root: string): CgroupParents {
  const out: CgroupParents = {};
  const own = ownV1Paths();
  for (const c of want) {
    // cgroup v1 (or a hybrid host): the controller's own hierarchy, under our own group in it.
    const base = path.join(root, c);
    const parent = tryParent(base, path.join(base, own.get(c) ?? "/", PARENT_NAME));
    if (parent) out[c] = parent;
  }
  const missing = want.filter((c) => !out[c]);
  if (missing.length > 0) {
    // cgroup v2: the root's children may use the controllers it enables (internal processes rule:
    // only the root may have both processes and enabled controllers, so the parent sits there).
    try {
      const enabled = fs.readFileSync(path.join(root, "cgroup.subtree_control"), "utf8").split(/\s+/);
      const usable = missing.filter((c) => enabled.includes(c));
      if (usable.length > 0) {
        const parent = tryParent(root, path.join(root, PARENT_NAME), usable);
        if (parent) for (const c of usable) out[c] = parent;
      }
    } catch {
      // not a v2 root
    }
  }
  return out;
}

/** Creates `parent` under the hierarchy at `base` if it is ours to write; sweeps stale children. */
function tryParent(base: string, parent: string, v2Controllers?: readonly Controller[]): string | undefined {
  try {
    if (!fs.existsSync(path.join(base, "cgroup.procs"))) return undefined;
    fs.mkdirSync(parent, { recursive: true });
    if (v2Controllers)
      fs.writeFileSync(
        path.join(parent, "cgroup.subtree_control"),
        v2Controllers.map((c) => `+${c}`).join(" "),
      );
    fs.accessSync(parent, fs.constants.W_OK);
    sweepStale(parent);
    return parent;
  } catch {
    return undefined; // not mounted, read-only, or not root
  }
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

/**
 * Which per-call cgroups can carry `limits`, and warnings for limits that then cannot bind: root is
 * exempt from RLIMIT_NPROC, and only a cgroup bounds a call's memory. `asked` is what the user set
 * (a memory warning only then: the default cap is best effort); `enabled: false` uses no cgroups.
 */
export function planCallCgroups(
  limits: ResourceLimits,
  asked: ResourceLimits | undefined,
  enabled = true,
): { parents: CgroupParents; warnings: string[] } {
  const askedMemory = asked?.memoryBytes !== undefined;
  if (!isRoot() || !enabled)
    return {
      parents: {},
      warnings: askedMemory ? ["the memory limit is not enforced: per-call memory cgroups need root"] : [],
    };
  const want: Controller[] = [];
  if (limits.processes !== undefined) want.push("pids");
  if (limits.memoryBytes !== undefined) want.push("memory");
  const parents = callCgroupParents(want);
  const warnings: string[] = [];
  if (limits.processes !== undefined && !parents.pids)
    warnings.push(
      "running as root without a pids cgroup: the process-count limit is not enforced (RLIMIT_NPROC exempts root)",
    );
  if (askedMemory && !parents.memory)
    warnings.push("no writable memory cgroup: the memory limit is not enforced");
  return { parents, warnings };
}

/** Whether calls can be held to a memory limit here (root, and a writable memory cgroup). */
export function memoryLimitEnforceable(): boolean {
  return isRoot() && callCgroupParents(["memory"]).memory !== undefined;
}

/** What a call's output gets when the kernel killed one of its processes for its memory limit. */
export function outOfMemoryNote(limitBytes: number | undefined): string {
  const mb = limitBytes === undefined ? "" : ` of ${Math.round(limitBytes / 1024 ** 2)} MB`;
  return `\nratchet sandbox: a process of this command was killed for exceeding the command's memory limit${mb}\n`;
}

/** The cgroup(s) of one call. */
export interface CallCgroup {
  /** The directories, one per hierarchy. */
  readonly dirs: readonly string[];
  /** The memory limit in force, if the memory controller took it. */
  readonly memoryBytes: number | undefined;
  /** Moves `pid` in (see attachToCgroups). */
  attach(pid: number): Promise<void>;
  /** True once the kernel's OOM killer has killed a process of the call. */
  oomKilled(): boolean;
  /** Removes the (by then empty) cgroups in the background; retries while the kernel finishes reaping. */
  remove(): void;
}

let seq = 0;

/** Creates the call's cgroups with `limits`; controllers that fail are left out (undefined if all do). */
export function createCallCgroup(parents: CgroupParents, limits: CallLimits): CallCgroup | undefined {
  const name = `call-${process.pid}-${++seq}`;
  // Each controller: its parent, and how it applies its limit to a directory.
  const wanted: [parent: string, apply: (dir: string) => void][] = [];
  const { pids, memoryBytes } = limits;
  if (parents.pids && pids !== undefined)
    wanted.push([parents.pids, (dir) => write(dir, "pids.max", String(Math.max(1, Math.floor(pids))))]);
  let memoryDir: string | undefined;
  if (parents.memory && memoryBytes !== undefined)
    wanted.push([
      parents.memory,
      (dir) => {
        setMemoryLimit(dir, Math.max(1 << 20, Math.floor(memoryBytes)));
        memoryDir = dir;
      },
    ]);
  const dirs = new Set<string>();
  for (const [parent, apply] of wanted) {
    const dir = path.join(parent, name);
    // On cgroup v2 both controllers share one directory: one that fails leaves the other's.
    const fresh = !dirs.has(dir);
    try {
      if (fresh) fs.mkdirSync(dir);
      dirs.add(dir);
      apply(dir);
    } catch {
      if (fresh) {
        dirs.delete(dir);
        rmdirQuiet(dir);
      }
    }
  }
  if (dirs.size === 0) return undefined;
  const all = [...dirs];
  return {
    dirs: all,
    memoryBytes: memoryDir ? memoryBytes : undefined,
    attach: (pid) => attachToCgroups(all, pid),
    oomKilled: () => (memoryDir ? oomKills(memoryDir) > 0 : false),
    remove() {
      // Off the main thread: removing a cgroup can wait for an RCU grace period too.
      for (const dir of all) {
        let tries = 0;
        const attempt = () =>
          fs.promises.rmdir(dir).catch((err: NodeJS.ErrnoException) => {
            if (err.code === "EBUSY" && ++tries < 20) setTimeout(attempt, 50).unref();
          });
        void attempt();
      }
    },
  };
}

const write = (dir: string, file: string, value: string) => fs.writeFileSync(path.join(dir, file), value);

function rmdirQuiet(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // never created
  }
}

/** v2: memory.max with no swap; v1: limit_in_bytes, and memsw (memory + swap) when swap is accounted. */
function setMemoryLimit(dir: string, bytes: number): void {
  if (fs.existsSync(path.join(dir, "memory.max"))) {
    write(dir, "memory.max", String(bytes));
    if (fs.existsSync(path.join(dir, "memory.swap.max"))) write(dir, "memory.swap.max", "0");
    return;
  }
  write(dir, "memory.limit_in_bytes", String(bytes));
  // memsw must stay ≥ the memory limit, so it is set second (both start unlimited).
  if (fs.existsSync(path.join(dir, "memory.memsw.limit_in_bytes")))
    write(dir, "memory.memsw.limit_in_bytes", String(bytes));
}

/** The OOM kills counted in a memory cgroup (v2 memory.events, v1 memory.oom_control). */
function oomKills(dir: string): number {
  for (const file of ["memory.events", "memory.oom_control"]) {
    try {
      const m = /^oom_kill (\d+)$/m.exec(fs.readFileSync(path.join(dir, file), "utf8"));
      if (m) return Number(m[1]);
    } catch {
      // the other version's file
    }
  }
  return 0;
}

/**
 * Moves `pid` into each cgroup, on libuv's threadpool: an attach waits for an RCU grace period
 * (~10 ms measured here), so it is done to a standby bwrap before its call (standby.ts), and
 * every process of the call, all forked later by that bwrap, is born inside the cgroups.
 */
export function attachToCgroups(dirs: readonly string[], pid: number): Promise<void> {
  return Promise.all(dirs.map((d) => fs.promises.writeFile(path.join(d, "cgroup.procs"), String(pid)))).then(
    () => undefined,
  );
}
