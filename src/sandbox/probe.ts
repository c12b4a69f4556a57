// Can a sandbox start here? Runs bubblewrap once with the same namespaces, hardening flags and
// seccomp filter as every call, and on failure says why and how to fix it. The backend runs this
// before its first command and refuses every command while it fails (fail closed).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { BWRAP_ISOLATION_FLAGS, defaultSandboxIds } from "./bwrap-args.js";
import { buildSeccompFilter } from "./seccomp.js";
import { hostSeccompArch } from "./syscalls.js";

/** Outcome of probing; on failure `reason` says what is wrong and `fix` what to do. */
export type SandboxProbe =
  | { ok: true; version: string; warnings: string[] }
  | { ok: false; reason: string; fix: string };

/** Options of the probe. */
export interface ProbeOptions {
  /** Default "bwrap" (looked up in PATH). */
  bwrapPath?: string;
  /** Shell the sandbox runs commands with; default /bin/bash. */
  shell?: string;
  /** Extra warnings the caller knows about (e.g. an unenforceable limit). */
  warnings?: string[];
}

/** The installation hint used in every "bubblewrap missing" message. */
export const INSTALL_BWRAP_FIX =
  "install bubblewrap: apt-get install bubblewrap (Fedora: dnf install bubblewrap)";

const UNSANDBOXED_NOTE =
  " Commands are not run until this is fixed; running them unsandboxed needs an explicit setting.";

interface RunResult {
  code: number | null;
  stderr: string;
  stdout: string;
  error?: NodeJS.ErrnoException;
}

function run(cmd: string, args: string[], fd3?: Buffer): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe", ...(fd3 ? ["pipe" as const] : [])] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    if (fd3) (child.stdio[3] as NodeJS.WritableStream).end(fd3);
    child.on("error", (error: NodeJS.ErrnoException) => resolve({ code: null, stdout, stderr, error }));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const readSysctl = (p: string) => {
  try {
    return fs.readFileSync(p, "utf8").trim();
  } catch {
    return undefined;
  }
};

/** Names the setting that blocks unprivileged user namespaces, if one visibly does. */
export function userNamespaceFix(read: (p: string) => string | undefined = readSysctl): string {
  if (read("/proc/sys/kernel/unprivileged_userns_clone") === "0")
    return "enable unprivileged user namespaces: sysctl -w kernel.unprivileged_userns_clone=1 (persist it in /etc/sysctl.d/)";
  if (read("/proc/sys/user/max_user_namespaces") === "0")
    return "allow user namespaces: sysctl -w user.max_user_namespaces=15000 (persist it in /etc/sysctl.d/)";
  if (read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") === "1")
    return (
      "AppArmor restricts unprivileged user namespaces: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, " +
      "or install an AppArmor profile that grants bwrap the userns permission"
    );
  return (
    "enable unprivileged user namespaces (check kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0 and " +
    "kernel.apparmor_restrict_unprivileged_userns=0); inside a container, run it with a seccomp profile that allows " +
    "unshare/clone of user namespaces, or use a VM"
  );
}

/** Probes bubblewrap, user namespaces and the seccomp filter. Never throws. */
export async function probeSandbox(opts: ProbeOptions = {}): Promise<SandboxProbe> {
  const fail = (reason: string, fix: string): SandboxProbe => ({
    ok: false,
    reason: reason + UNSANDBOXED_NOTE,
    fix,
  });
  if (process.platform !== "linux")
    return fail(
      `the command sandbox needs Linux (bubblewrap); this is ${process.platform}`,
      "run Ratchet on Linux",
    );
  const arch = hostSeccompArch();
  if (!arch)
    return fail(
      `no seccomp filter for the ${process.arch} architecture`,
      "run Ratchet on x86-64 or arm64 Linux",
    );
  const shell = opts.shell ?? "/bin/bash";
  if (!fs.existsSync(shell)) return fail(`${shell} is missing`, "install bash: apt-get install bash");
  const bwrap = opts.bwrapPath ?? "bwrap";

  const version = await run(bwrap, ["--version"]);
  if (version.error?.code === "ENOENT") return fail("bubblewrap (bwrap) is not installed", INSTALL_BWRAP_FIX);
  if (version.error || version.code !== 0)
    return fail(
      `bubblewrap does not run: ${version.error?.message ?? version.stderr.trim()}`,
      INSTALL_BWRAP_FIX,
    );

  const { uid, gid } = defaultSandboxIds();
  const args = [
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    ...BWRAP_ISOLATION_FLAGS,
    "--uid",
    String(uid),
    "--gid",
    String(gid),
    "--seccomp",
    "3",
    "--",
    shell,
    "-c",
    "exit 0",
  ];
  const trial = await run(bwrap, args, buildSeccompFilter({ arch }));
  if (trial.code !== 0) {
    const err = trial.stderr.trim() || trial.error?.message || `exit code ${trial.code}`;
    if (/namespace|uid map|setting up uid|Operation not permitted|No space left|Permission denied/i.test(err))
      return fail(`bubblewrap cannot create the sandbox's namespaces: ${err}`, userNamespaceFix());
    if (/seccomp/i.test(err))
      return fail(
        `the kernel rejected the seccomp filter: ${err}`,
        "use a kernel with seccomp filter support (CONFIG_SECCOMP_FILTER)",
      );
    return fail(
      `bubblewrap failed to start a sandbox: ${err}`,
      `run \`${bwrap} --unshare-all --ro-bind / / true\` to see the error and fix the host setup`,
    );
  }
  return {
    ok: true,
    version: version.stdout.trim().replace(/^bubblewrap\s+/, ""),
    warnings: opts.warnings ?? [],
  };
}
