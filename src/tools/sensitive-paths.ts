// Which workspace paths are not ordinary files but the agent's (or the host's) configuration.
// Writing them is a consequential effect: skills and AGENTS.md become part of the prompt of later
// runs, and git hooks, git config, CI workflows, .envrc and editor tasks run code on the host or in
// CI, outside the sandbox. package.json is deliberately not here: editing it is everyday coding, and
// its scripts only run when the owner runs the project's code, which they review like any source.
import * as path from "node:path";
import type { Effect } from "../loop/tool.js";
import type { Workspace } from "./workspace.js";

/** A model-given path in canonical relative form: forward slashes, no "./", no trailing slash. */
export function normalizeRelPath(p: string): string {
  const n = path.posix.normalize(p.replaceAll("\\", "/").trim());
  return n === "." ? "" : n.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
}

/** Effects of writing the workspace-relative path `rel` (case-insensitive: macOS folds case). */
export function pathEffects(rel: string): Effect[] {
  const p = normalizeRelPath(rel).toLowerCase();
  if (p === "" || p === ".." || p.startsWith("../") || p.startsWith("/")) return [];
  const parts = p.split("/");
  const base = parts[parts.length - 1];
  if (parts[0] === "skills" || (parts[0] === ".ratchet" && parts[1] === "skills")) return ["install_skill"];
  if (
    parts[0] === ".ratchet" ||
    parts[0] === ".git" ||
    parts[0] === ".vscode" ||
    (parts[0] === ".github" && parts[1] === "workflows") ||
    base === "agents.md" ||
    p === ".gitlab-ci.yml" ||
    p === ".envrc"
  )
    return ["change_config"];
  return [];
}

/** The skill a path installs, if any: `skills/<name>/…` or `.ratchet/skills/<name>/…`. */
export function skillNameOf(rel: string): string | undefined {
  const parts = normalizeRelPath(rel).split("/");
  const lower = parts.map((s) => s.toLowerCase());
  if (lower[0] === "skills" && parts.length > 1) return parts[1];
  if (lower[0] === ".ratchet" && lower[1] === "skills" && parts.length > 2) return parts[2];
  return undefined;
}

/**
 * Effects of writing `p` through the workspace: the path as given and where it really lands, so a
 * symlink such as `notes -> skills` cannot hide a skill install. A path confinement refuses has none.
 */
export function writeEffects(workspace: Workspace, p: string): Effect[] {
  const found = new Set(pathEffects(p));
  try {
    for (const e of pathEffects(workspace.relative(workspace.resolve(p, { forWrite: true })))) found.add(e);
  } catch {
    // Refused by confinement: the write will not happen.
  }
  return [...found];
}
