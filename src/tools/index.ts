// The workspace tool set, in a fixed order so the tool list (part of the request prefix) is
// byte-identical from one request to the next.
import type { AnyTool } from "../loop/tool.js";
import { createEditTool } from "./edit.js";
import { createExecTool, type ExecToolOptions } from "./exec.js";
import type { ExecBackend } from "./exec-backend.js";
import type { FsOps } from "./fs-ops.js";
import { createGrepTool } from "./grep.js";
import { createListTool } from "./list.js";
import { createReadTool } from "./read.js";
import { createWorkspace } from "./workspace.js";
import { createWriteTool } from "./write.js";

export type { ExecBackend, ExecRequest, ExecResult } from "./exec-backend.js";
export { createHostExecBackend, type HostExecOptions, minimalEnv } from "./exec-host.js";
export { createHostFs, type FsOps } from "./fs-ops.js";
export { normalizeRelPath, pathEffects, skillNameOf } from "./sensitive-paths.js";
export { createWorkspace, type Workspace } from "./workspace.js";

/** Options of the workspace tools; backends default to the host. */
export interface WorkspaceToolsOptions {
  /** Workspace root; must exist. */
  root: string;
  exec?: ExecBackend;
  fs?: FsOps;
  /** Defaults for exec (e.g. from config): timeout when the model gives none, output cap. */
  execDefaults?: { timeoutSeconds?: number; maxOutputBytes?: number };
  /** Effect detector for exec commands (the policy layer's); none declared when absent. */
  execEffects?: ExecToolOptions["effects"];
}

/** read, write, edit, list, grep, exec — confined to `root`. */
export function createWorkspaceTools(opts: WorkspaceToolsOptions): AnyTool[] {
  const workspace = createWorkspace(opts.root);
  const base = { workspace, ...(opts.fs ? { fs: opts.fs } : {}) };
  return [
    createReadTool(base),
    createWriteTool(base),
    createEditTool(base),
    createListTool(base),
    createGrepTool(base),
    createExecTool({
      workspace,
      ...(opts.exec ? { exec: opts.exec } : {}),
      defaultTimeoutSeconds: opts.execDefaults?.timeoutSeconds,
      maxOutputBytes: opts.execDefaults?.maxOutputBytes,
      ...(opts.execEffects ? { effects: opts.execEffects } : {}),
    }),
  ];
}
