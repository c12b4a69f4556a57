// Resolves what the sandbox hides, exposes and protects into a MountPlan (bwrap-args.ts). The
// static part (home, /tmp, /run, the state dir, secrets in /etc) is resolved once per backend;
// the per-call part is what can change between calls: agent config paths in the workspace
// (opened on the host and bound by fd, so a symlink swapped in by a concurrent call cannot
// redirect the bind to a hidden place) and host Unix sockets visible through the read-only root.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { MountPlan } from "./bwrap-args.js";

/** Workspace paths re-bound read-only by default: agent config, skills, git hooks and config. */
export const DEFAULT_PROTECTED_PATHS: readonly string[] = [
  ".ratchet",
  "AGENTS.md",
  "skills",
  ".git/hooks",
  ".git/config",
];

/** System paths hidden by default, besides the home directories and the state dir. */
export const DEFAULT_HIDDEN_SYSTEM_PATHS: readonly string[] = ["/tmp", "/run", "/var/run"];

/**
 * Files only root can read, hidden when Ratchet runs as root (the sandbox then runs as host uid
 * 0 without capabilities, which still reads files root owns): password hashes and SSH host keys.
 */
export function rootOnlySecrets(sshDir = "/etc/ssh"): string[] {
  let keys: string[] = [];
  try {
    keys = fs
      .readdirSync(sshDir)
      .filter((n) => /^ssh_host_.*_key$/.test(n))
      .map((n) => path.join(sshDir, n));
  } catch {
    // no ssh server
  }
  return ["/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", ...keys];
}

/** Inputs of the static layout. */
export interface LayoutInput {
  workspace: string;
  /** Paths to hide (dirs become an empty tmpfs, files /dev/null); missing ones are skipped. */
  hide: string[];
  /** Paths under hidden dirs to bind back read-only; others are visible already and skipped. */
  exposeReadOnly: string[];
  tmpfsSizeBytes?: number;
}

/** The per-backend part of the plan, plus the hidden dirs in both spellings for socket checks. */
export interface StaticLayout extends Omit<MountPlan, "protectedFds" | "maskedSockets" | "proxySocket"> {
  /** Hidden dirs as given and as resolved, for cheap lexical checks. */
  coveredPrefixes: string[];
}

const within = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
const realOrUndefined = (p: string) => {
  try {
    return fs.realpathSync.native(path.resolve(p));
  } catch {
    return undefined;
  }
};

/** Resolves hide/expose lists against the filesystem; throws if the workspace does not exist. */
export function planStaticLayout(input: LayoutInput): StaticLayout {
  const workspace = fs.realpathSync.native(path.resolve(input.workspace));
  const dirs: string[] = [];
  const files: string[] = [];
  const coveredPrefixes: string[] = [];
  for (const given of input.hide) {
    const real = realOrUndefined(given);
    if (real === undefined || real === workspace) continue; // the user chose to work there
    let isDir: boolean;
    try {
      isDir = fs.statSync(real).isDirectory();
    } catch {
      continue;
    }
    (isDir ? dirs : files).push(real);
    if (isDir) coveredPrefixes.push(path.resolve(given), real);
  }
  const uniqueDirs = [...new Set(dirs)].sort();
  // A hidden path under another hidden dir is covered, unless the workspace bind re-exposes it.
  const covered = (p: string) =>
    uniqueDirs.some((o) => o !== p && within(p, o) && (!within(p, workspace) || within(o, workspace)));
  const outer = uniqueDirs.filter((d) => !covered(d));
  const hiddenDirs = outer.filter((d) => !within(d, workspace));
  const hiddenInWorkspace = outer.filter((d) => within(d, workspace));
  const hiddenFiles = [...new Set(files)].filter((f) => !covered(f));
  const exposeReadOnly = [
    ...new Set(input.exposeReadOnly.map(realOrUndefined).filter((p): p is string => p !== undefined)),
  ].filter((p) => !within(p, workspace) && hiddenDirs.some((d) => within(p, d))); // else visible anyway
  return {
    workspace,
    hiddenDirs,
    hiddenFiles,
    exposeReadOnly,
    hiddenInWorkspace,
    tmpfsSizeBytes: input.tmpfsSizeBytes,
    coveredPrefixes: [...new Set(coveredPrefixes)],
  };
}

/** Home directories to hide: $HOME and the account's passwd home (they differ under sudo, in tests). */
export function homeDirs(): string[] {
  const homes = [os.homedir()];
  try {
    homes.push(os.userInfo().homedir);
  } catch {
    // no passwd entry (e.g. an arbitrary uid in a container)
  }
  return [...new Set(homes.filter((h) => h && h !== "/"))];
}

/** Thrown when a protected path changes under us; the call is refused rather than run unprotected. */
export class LayoutRaceError extends Error {}

/** A protected workspace path: its canonical path and the inode it names. */
export interface ProtectedTarget {
  path: string;
  dev: number;
  ino: number;
}

/**
 * The protected paths (relative to the workspace) that exist now as a file or directory inside
 * the workspace, resolved. Paths leading outside are skipped: outside the workspace is read-only
 * or hidden already, and binding them would re-expose what is hidden.
 */
export function protectedTargets(workspace: string, rels: readonly string[]): ProtectedTarget[] {
  const out: ProtectedTarget[] = [];
  for (const rel of rels) {
    const real = realOrUndefined(path.join(workspace, rel));
    if (real === undefined || real === workspace || !within(real, workspace)) continue;
    try {
      const st = fs.lstatSync(real);
      // A FIFO or socket under a protected name holds no config to protect.
      if (st.isFile() || st.isDirectory()) out.push({ path: real, dev: st.dev, ino: st.ino });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * Opens each protected target without following a final symlink and checks the opened inode is
 * the one resolved, so bwrap binds exactly that inode by fd. The caller passes the fds to bwrap
 * and closes them after spawning. A target that changed in between refuses the call.
 */
export function openProtectedPaths(
  workspace: string,
  rels: readonly string[],
): (ProtectedTarget & { fd: number })[] {
  const out: (ProtectedTarget & { fd: number })[] = [];
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_CLOEXEC } = fs.constants as Record<string, number>;
  try {
    for (const t of protectedTargets(workspace, rels)) {
      let fd: number;
      try {
        // O_NONBLOCK: should a FIFO be swapped in meanwhile, opening it must not hang the runtime.
        fd = fs.openSync(t.path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | (O_CLOEXEC ?? 0));
      } catch (err) {
        // Gone, or unreadable to us (then equally unreadable to whoever would consume it).
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "EACCES") continue;
        throw new LayoutRaceError(`cannot open ${t.path} to protect it: ${(err as Error).message}`);
      }
      out.push({ ...t, fd });
      const st = fs.fstatSync(fd);
      if (st.dev !== t.dev || st.ino !== t.ino || fs.readlinkSync(`/proc/self/fd/${fd}`) !== t.path)
        throw new LayoutRaceError(`${t.path} changed while the sandbox was being set up; refusing to run`);
    }
  } catch (err) {
    for (const { fd } of out) fs.closeSync(fd);
    throw err;
  }
  return out;
}

/**
 * Bound Unix sockets of this network namespace (from /proc/net/unix) that a sandboxed process
 * could reach by path: not under a hidden dir and still a socket on disk. Connecting needs only
 * write permission on the socket inode, which a read-only mount does not remove.
 */
export function visibleHostSockets(
  layout: Pick<StaticLayout, "coveredPrefixes" | "hiddenDirs">,
  exclude: readonly string[] = [],
  table = "/proc/net/unix",
): string[] {
  let text: string;
  try {
    text = fs.readFileSync(table, "latin1");
  } catch {
    return [];
  }
  const found = new Set<string>();
  for (const line of text.split("\n")) {
    const slash = line.indexOf(" /");
    if (slash < 0) continue; // unnamed or abstract (@name): the network namespace handles those
    const p = line.slice(slash + 1);
    if (layout.coveredPrefixes.some((d) => within(p, d)) || exclude.includes(p)) continue;
    const real = realOrUndefined(p);
    if (real === undefined || layout.hiddenDirs.some((d) => within(real, d)) || exclude.includes(real))
      continue;
    try {
      if (fs.lstatSync(real).isSocket()) found.add(real);
    } catch {
      // gone already
    }
  }
  return [...found];
}
