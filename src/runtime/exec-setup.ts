// Chooses how the agent's commands run: in the bubblewrap sandbox (default), or on the host when
// the owner set sandbox.mode = "off" (then every command needs approval; see run-task.ts). The
// sandbox is loaded and started on the first command only, so a run that never calls exec pays
// nothing for it.
import type { PolicyRule } from "../policy/rules.js";
import type { ExecBackend, ExecRequest, ExecResult } from "../tools/exec-backend.js";
import { createHostExecBackend } from "../tools/index.js";
import type { RatchetConfig } from "./config.js";

/** An exec backend that must be closed when the run ends (it may hold a warm sandbox process). */
export interface ClosableExecBackend extends ExecBackend {
  close(): Promise<void>;
}

/** The policy rule that makes every host command wait for approval when the sandbox is off. */
export const UNSANDBOXED_RULE: PolicyRule = {
  tool: "exec",
  action: "ask",
  reason: 'the command sandbox is off (sandbox.mode = "off"), so every command needs approval',
};

/** Whether commands run on the host (the owner turned the sandbox off explicitly). */
export function sandboxOff(config: RatchetConfig): boolean {
  return config.sandbox?.mode === "off";
}

/** The configured exec backend for a workspace; `stateDir` ($RATCHET_HOME) is hidden from commands. */
export function createExecBackend(
  config: RatchetConfig,
  workspace: string,
  stateDir: string,
): ClosableExecBackend {
  if (sandboxOff(config)) {
    const host = createHostExecBackend();
    return { run: (req) => host.run(req), close: async () => {} };
  }
  const sb = config.sandbox ?? {};
  let backend: Promise<ClosableExecBackend> | undefined;
  const load = () => {
    backend ??= import("../sandbox/index.js").then((m) =>
      m.createSandboxExecBackend({
        workspace,
        stateDir,
        ...(sb.network?.allow?.length ? { network: { allow: sb.network.allow } } : {}),
        ...(sb.exposeReadOnly ? { exposeReadOnly: sb.exposeReadOnly } : {}),
        ...(sb.limits ? { limits: sb.limits } : {}),
      }),
    );
    return backend;
  };
  return {
    run: async (req: ExecRequest): Promise<ExecResult> => (await load()).run(req),
    close: async () => {
      if (backend) await (await backend).close();
    },
  };
}
