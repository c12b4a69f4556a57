// The bubblewrap command line for one sandboxed call, as pure functions of a resolved plan so
// the layout can be tested without running anything. It comes in two parts: a fixed argv a
// process is started with ahead of time, and the per-call options it then reads from a pipe
// (standby.ts says why). Mount order is the security argument:
// bubblewrap applies mounts in order and a later mount covers an earlier one at the same place,
// so the read-only root comes first, then what is hidden, then the workspace, then what must be
// hidden or read-only again inside the workspace, then individual host sockets to mask.

/** Where things go in the sandbox's mount namespace; all paths absolute and symlink-free. */
export interface MountPlan {
  /** Bound read-write. */
  workspace: string;
  /** Covered by an empty tmpfs before the workspace is bound (home, /tmp, /run, state dir…). */
  hiddenDirs: string[];
  /** Covered by /dev/null after the workspace is bound (e.g. /etc/shadow). */
  hiddenFiles: string[];
  /** Host paths bound read-only after hiding (e.g. a toolchain under the hidden home). */
  exposeReadOnly: string[];
  /** Covered by an empty tmpfs after the workspace is bound (a state dir inside the workspace). */
  hiddenInWorkspace: string[];
  /** Workspace paths re-bound read-only from an fd opened (and checked) on the host. */
  protectedFds: { fd: number; path: string }[];
  /** Host Unix sockets visible through the read-only root; each is covered by /dev/null. */
  maskedSockets: string[];
  /** The allowlist proxy's socket, bound read-only at the same path. */
  proxySocket?: string;
  /** Size cap of each tmpfs. */
  tmpfsSizeBytes?: number;
  /**
   * Host dirs bound at fixed paths after the workspace (e.g. an evaluation's /tests and
   * /logs/verifier). Each `dest` must exist on the host: the read-only root cannot gain a mount point.
   */
  binds?: { source: string; dest: string; readOnly?: boolean }[];
}

/** Everything that varies per call; it reaches bwrap through `--args FD` (see standby.ts). */
export interface BwrapCall {
  mounts: MountPlan;
  cwd: string;
  env: Record<string, string>;
  /** fd (in bwrap's fd table) holding the raw seccomp program. */
  seccompFd: number;
  command: string;
}

/** The environment variable that carries the command to the prelude (which unsets it). */
export const COMMAND_ENV = "__RATCHET_CMD";

/**
 * Namespaces and hardening flags every call gets; the network namespace is always new. With
 * --as-pid-1 the prelude's shell is the PID namespace's init (no separate reaper process, one
 * fork less per call): when it exits, the kernel kills everything else in the namespace. Nested
 * user namespaces are refused by the seccomp filter (clone/unshare flags, clone3, setns), not by
 * --disable-userns, which would cost another user namespace (~0.8 ms) per call for the same effect.
 */
export const BWRAP_ISOLATION_FLAGS = [
  "--unshare-user",
  "--unshare-pid",
  "--as-pid-1",
  "--unshare-ipc",
  "--unshare-uts",
  "--unshare-cgroup-try",
  "--unshare-net",
  "--die-with-parent",
  "--new-session",
  "--cap-drop",
  "ALL",
  "--hostname",
  "sandbox",
] as const;

/**
 * The argv a sandbox process is started with, before its call is known: the read-only root, the
 * isolation flags and ids, then `--args FD`, where bwrap blocks until the per-call options arrive,
 * then the prelude. Were the args fd to close empty, this still runs isolated, with no command.
 */
export function standbyArgv(o: {
  bwrap: string;
  uid: number;
  gid: number;
  argsFd: number;
  shell: string;
  prelude: string;
}): string[] {
  return [
    o.bwrap,
    "--ro-bind",
    "/",
    "/",
    ...BWRAP_ISOLATION_FLAGS,
    "--uid",
    String(o.uid),
    "--gid",
    String(o.gid),
    "--args",
    String(o.argsFd),
    "--",
    o.shell,
    "-c",
    o.prelude,
    "bash",
  ];
}

/** The per-call options, in the order bwrap must apply them (after the read-only root). */
export function callArgs(call: BwrapCall): string[] {
  const m = call.mounts;
  const tmpfs = (p: string) =>
    m.tmpfsSizeBytes !== undefined ? ["--size", String(m.tmpfsSizeBytes), "--tmpfs", p] : ["--tmpfs", p];
  const args: string[] = ["--dev", "/dev", "--proc", "/proc"];
  for (const d of m.hiddenDirs) args.push(...tmpfs(d));
  for (const p of m.exposeReadOnly) args.push("--ro-bind", p, p);
  args.push("--bind", m.workspace, m.workspace);
  for (const d of m.hiddenInWorkspace) args.push(...tmpfs(d));
  for (const b of m.binds ?? []) args.push(b.readOnly ? "--ro-bind" : "--bind", b.source, b.dest);
  for (const f of m.hiddenFiles) args.push("--ro-bind", "/dev/null", f);
  for (const { fd, path } of m.protectedFds) args.push("--ro-bind-fd", String(fd), path);
  for (const s of m.maskedSockets) args.push("--ro-bind", "/dev/null", s);
  if (m.proxySocket) args.push("--ro-bind", m.proxySocket, m.proxySocket);
  args.push("--clearenv");
  for (const [k, v] of Object.entries(call.env)) args.push("--setenv", k, v);
  args.push("--setenv", COMMAND_ENV, call.command);
  args.push("--chdir", call.cwd, "--seccomp", String(call.seccompFd));
  return args;
}

/** `callArgs` in the NUL-terminated form `bwrap --args FD` reads. */
export function encodeArgs(args: string[]): Buffer {
  for (const a of args) if (a.includes("\0")) throw new Error("bwrap argument contains a NUL byte");
  return Buffer.from(args.map((a) => `${a}\0`).join(""));
}

/**
 * The uid/gid commands run as inside the user namespace (mapped to the host user either way).
 * An unprivileged host user keeps its ids, so ownership checks (git's safe.directory, ssh)
 * behave as on the host. Root becomes nobody (65534): workspace files written from inside are
 * still owned by root on the host and writable inside (they map to the sandbox's own uid), but
 * nothing inside runs as uid 0, so tools that change behaviour for root do not.
 */
export function defaultSandboxIds(): { uid: number; gid: number } {
  const uid = process.getuid?.() ?? 65534;
  const gid = process.getgid?.() ?? 65534;
  return { uid: uid === 0 ? 65534 : uid, gid: gid === 0 ? 65534 : gid };
}
