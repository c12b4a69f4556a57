// Which files a command writes: redirection targets and the destinations of file utilities
// (cp, mv, tee, sed -i, dd of=, tar -C…), located relative to the workspace so the caller can
// classify them as config, skills, outside the workspace, or ordinary files.
import * as path from "node:path";
import { normalizeRelPath } from "../tools/sensitive-paths.js";
import { splitArgs } from "./network-commands.js";

/** Redirection operators that write their target. */
export const WRITE_OPS = new Set([">", ">>", ">|", "&>", "&>>", "<>"]);
/** Scratch places a write to does not matter: /dev/null, /tmp (private in the sandbox). */
export const SCRATCH = /^\/(dev|tmp|var\/tmp|proc\/self\/fd)(\/|$)/;

/**
 * Where a written path lands: inside the workspace (relative path), outside it (including places
 * only known at run time, like "$OUT"), or nowhere that matters (/dev/null, /tmp scratch).
 */
export function locate(
  raw: string,
  base: string | undefined,
  root: string | undefined,
): { rel: string } | "outside" | "ignore" {
  if (raw === "" || raw === "-") return "ignore";
  if (/^(~|\$|`)/.test(raw)) return "outside";
  if (raw.startsWith("/")) {
    if (SCRATCH.test(raw)) return "ignore";
    if (root && (raw === root || raw.startsWith(`${root}/`)))
      return locate(raw.slice(root.length + 1), "", root);
    return "outside";
  }
  if (base === undefined) return "outside";
  if (base.startsWith("/")) return locate(path.posix.join(base, raw), "", root);
  const rel = normalizeRelPath(path.posix.join(base, raw));
  return rel === ".." || rel.startsWith("../") ? "outside" : { rel };
}

// Where `cd to` leads: relative to the root, absolute, or undefined when only known at run time.
export function nextCwd(cwd: string | undefined, to: string | undefined): string | undefined {
  if (to === undefined || /^(~|\$|`)/.test(to)) return undefined;
  if (to.startsWith("/")) return to;
  return cwd === undefined ? undefined : path.posix.join(cwd, to);
}

// "~/x" and "$HOME/x" name the same file; either form in the owner's words proves it.
export function homeAlts(p: string): string[] {
  const rest = /^(?:~|\$HOME|\$\{HOME\})(\/.*)?$/.exec(p)?.[1];
  return rest === undefined && !/^(~|\$HOME|\$\{HOME\})$/.test(p)
    ? []
    : [`~${rest ?? ""}`, `$HOME${rest ?? ""}`, `\${HOME}${rest ?? ""}`];
}

const TARGET_ALL = new Set(["touch", "mkdir", "rm", "rmdir", "truncate", "unlink", "shred", "tee"]);
const TARGET_AFTER_FIRST = new Set(["chmod", "chown", "chgrp"]);
const TARGET_LAST = new Set(["cp", "mv", "install", "ln", "rsync"]);

/** Files written by common file utilities (redirections are handled by the caller). */
export function writeTargets(name: string, args: string[], target: (p: string) => void): void {
  if (TARGET_ALL.has(name)) {
    for (const p of splitArgs(args, name === "truncate" ? "sr" : "m").positionals) target(p);
  } else if (TARGET_AFTER_FIRST.has(name)) {
    for (const p of splitArgs(args).positionals.slice(1)) target(p);
  } else if (TARGET_LAST.has(name)) {
    const { positionals, options } = splitArgs(args, "tSmogeT", new Set(["target-directory", "suffix"]));
    const dir = options.find(([o]) => o === "-t" || o === "--target-directory")?.[1];
    const last = dir ?? (positionals.length >= 2 ? positionals[positionals.length - 1] : undefined);
    if (last !== undefined && !(name === "rsync" && /^[^/]*:/.test(last))) target(last);
  } else if (name === "sed" || name === "perl") {
    const { positionals, options } = splitArgs(args, "ef");
    const inPlace = options.some(([o]) => o.startsWith("-i") || o === "--in-place" || /^-[a-z]*i/.test(o));
    const hasScript = options.some(([o]) => o === "-e" || o === "-f" || o === "-E");
    if (inPlace) for (const p of positionals.slice(hasScript ? 0 : 1)) target(p);
  } else if (name === "dd") {
    for (const a of args) if (a.startsWith("of=")) target(a.slice(3));
  } else if (name === "tar" || name === "unzip") {
    const { options } = splitArgs(args, name === "tar" ? "Cf" : "d", new Set(["directory"]));
    for (const [o, v] of options)
      if (v !== undefined && (o === "-C" || o === "--directory" || o === "-d")) target(v);
  }
}
