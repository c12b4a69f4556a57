// Path confinement for the workspace tools. Every path the model passes goes through
// `resolve`, which refuses anything that is, or leads through a symlink to, a place outside
// the root. Checks are synchronous lookups against the real filesystem: a sandboxed backend
// still works on a host directory that it bind-mounts, so the host is the authority here.
// Known limit: a symlink swapped in between `resolve` and the operation (TOCTOU) is not caught;
// the sandbox is the boundary for hostile processes, this is the boundary for model mistakes.
import * as nodeFs from "node:fs";
import * as path from "node:path";
import { ToolError } from "../loop/tool.js";

/** Synchronous lookups confinement needs; node:fs by default, injectable for fakes. */
export interface PathProbe {
  /** Canonical path; throws (code ENOENT, ENOTDIR, ELOOP…) like fs.realpathSync. */
  realpath(p: string): string;
  /** Symlink target if `p` itself is a symlink, else undefined; throws if `p` does not exist. */
  readlinkIfSymlink(p: string): string | undefined;
}

/** A directory the tools are confined to. */
export interface Workspace {
  /** Realpath of the root. */
  readonly root: string;
  /** Absolute, symlink-free path for a root-relative path; throws ToolError if it leaves the root. */
  resolve(p: string, opts?: { forWrite?: boolean }): string;
  /** Root-relative path for display ("." for the root itself). */
  relative(abs: string): string;
}

/** The host filesystem as a PathProbe. */
export const hostPathProbe: PathProbe = {
  realpath: (p) => nodeFs.realpathSync.native(p),
  readlinkIfSymlink: (p) => (nodeFs.lstatSync(p).isSymbolicLink() ? nodeFs.readlinkSync(p) : undefined),
};

const MAX_LINK_HOPS = 40;

/** Creates a workspace rooted at `root` (which must exist); the root is realpath'd once, here. */
export function createWorkspace(root: string, probe: PathProbe = hostPathProbe): Workspace {
  const rootReal = probe.realpath(path.resolve(root));
  const inside = (abs: string) =>
    abs === rootReal || abs.startsWith(rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep);

  // Like realpath, but for paths that do not exist (yet): resolves the deepest existing
  // ancestor and follows dangling symlinks, so "where would a write land" has an answer.
  const realpathLoose = (abs: string, hops: number): string => {
    try {
      return probe.realpath(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
    }
    const parent = path.dirname(abs);
    if (parent === abs) return abs;
    let target: string | undefined;
    try {
      target = probe.readlinkIfSymlink(abs);
    } catch {
      target = undefined; // does not exist at all: resolve the parent instead
    }
    const parentReal = realpathLoose(parent, hops);
    if (target === undefined) return path.join(parentReal, path.basename(abs));
    if (hops >= MAX_LINK_HOPS) throw Object.assign(new Error("too many symlinks"), { code: "ELOOP" });
    return realpathLoose(path.resolve(parentReal, target), hops + 1);
  };

  return {
    root: rootReal,
    resolve(p, opts = {}) {
      const verb = opts.forWrite ? "write" : "access";
      if (typeof p !== "string" || p === "")
        throw new ToolError("Path is empty; pass a path relative to the workspace root.");
      if (p.includes("\0")) throw new ToolError("Path contains a NUL byte.");
      if (path.isAbsolute(p)) {
        // Models often echo the absolute root back; name the relative form they should use.
        const rel = path.relative(rootReal, path.resolve(p));
        const hint = inside(path.resolve(p))
          ? `use "${rel || "."}"`
          : "pass a path relative to the workspace root";
        throw new ToolError(`Absolute paths are not allowed: ${p}; ${hint}.`);
      }
      const lexical = path.resolve(rootReal, p);
      if (!inside(lexical)) throw new ToolError(`Cannot ${verb} ${p}: it is outside the workspace.`);
      let real: string;
      try {
        real = realpathLoose(lexical, 0);
      } catch (err) {
        throw new ToolError(`Cannot ${verb} ${p}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`);
      }
      if (!inside(real)) {
        throw new ToolError(
          `Cannot ${verb} ${p}: it leads through a symlink to a place outside the workspace.`,
        );
      }
      if (opts.forWrite && real === rootReal)
        throw new ToolError("Cannot write to the workspace root itself.");
      return real;
    },
    relative(abs) {
      return path.relative(rootReal, abs) || ".";
    },
  };
}
