// The command sandbox: a bubblewrap ExecBackend, its probe, the seccomp filter generator and the
// network allowlist proxy. Layer: above tools (it implements their ExecBackend), below policy.
export { type BwrapCall, callArgs, defaultSandboxIds, type MountPlan, standbyArgv } from "./bwrap-args.js";
export {
  createSandboxExecBackend,
  DEFAULT_LIMITS,
  DEFAULT_TMPFS_BYTES,
  SANDBOX_REFUSED_EXIT,
  type SandboxExecBackend,
  type SandboxOptions,
} from "./bwrap-backend.js";
export { memoryLimitEnforceable, planCallCgroups } from "./call-cgroup.js";
export { DEFAULT_HIDDEN_SYSTEM_PATHS, DEFAULT_PROTECTED_PATHS, homeDirs, rootOnlySecrets } from "./layout.js";
export { type NetworkOptions, PROXY_BRIDGE_PORT } from "./network-plan.js";
export { INSTALL_BWRAP_FIX, probeSandbox, type SandboxProbe } from "./probe.js";
export { type AllowlistProxy, hostMatches, isHostAllowed, startAllowlistProxy } from "./proxy.js";
export { buildSeccompFilter, DENIED_SYSCALLS, type SeccompPolicy, seccompProgram } from "./seccomp.js";
export { AF, type SeccompArch } from "./syscalls.js";
export type { ResourceLimits } from "./wrapper.js";
