// The filesystem operations the workspace tools need, as an injectable interface, so the same
// tools run against the host, a sandbox or an in-memory fake. Paths are absolute and have
// already been confined by the workspace; implementations do no confinement of their own.
// (There is no realpath here: confinement is the workspace's job, see workspace.ts.)
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { glob } from "tinyglobby";

/** What `stat` reports; symlinks are followed. */
export interface FileInfo {
  kind: "file" | "dir" | "other";
  size: number;
}

/** One directory entry; symlinks are reported as such, not followed. */
export interface DirEntry {
  name: string;
  kind: "file" | "dir" | "symlink" | "other";
}

/** Options for `glob`; results are files only, relative to `cwd`, and never go through symlinks. */
export interface GlobOptions {
  cwd: string;
  ignore?: string[];
  /** Match names starting with a dot. */
  dot?: boolean;
  signal?: AbortSignal;
}

/** Filesystem operations used by the workspace tools. */
export interface FsOps {
  readFile(abs: string): Promise<Uint8Array>;
  /** Creates missing parent directories. */
  writeFile(abs: string, data: string | Uint8Array): Promise<void>;
  /** `null` when nothing exists at `abs`. */
  stat(abs: string): Promise<FileInfo | null>;
  readdir(abs: string): Promise<DirEntry[]>;
  glob(patterns: string[], opts: GlobOptions): Promise<string[]>;
}

const kindOf = (d: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }) =>
  d.isSymbolicLink() ? "symlink" : d.isDirectory() ? "dir" : d.isFile() ? "file" : "other";

/** FsOps on node:fs/promises and tinyglobby. */
export function createHostFs(): FsOps {
  return {
    readFile: (abs) => fs.readFile(abs),
    async writeFile(abs, data) {
      await fs.mkdir(path.dirname(abs), { recursive: true });
      await fs.writeFile(abs, data);
    },
    async stat(abs) {
      try {
        const st = await fs.stat(abs);
        return { kind: st.isFile() ? "file" : st.isDirectory() ? "dir" : "other", size: st.size };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return null;
        throw err;
      }
    },
    async readdir(abs) {
      const entries = await fs.readdir(abs, { withFileTypes: true });
      return entries.map((d) => ({ name: d.name, kind: kindOf(d) }));
    },
    glob: (patterns, opts) =>
      glob(patterns, {
        cwd: opts.cwd,
        ignore: opts.ignore ?? [],
        dot: opts.dot ?? false,
        signal: opts.signal,
        onlyFiles: true,
        followSymbolicLinks: false,
        expandDirectories: false,
      }),
  };
}
