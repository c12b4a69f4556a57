// Supervises one started bwrap process like the host backend does its shell: bounded head+tail
// output capture, timeout and abort, a short drain after exit. A timeout or abort SIGKILLs
// bwrap's process group at once: bwrap forwards no signals, so a grace period would buy the
// command nothing, and --die-with-parent takes the whole sandbox down with bwrap.
import type { ChildProcess } from "node:child_process";
import type { ExecRequest, ExecResult } from "../tools/exec-backend.js";
import { OutputCapture } from "../tools/output-capture.js";

/** How the output of a call starts when bwrap failed before the command ran. */
export const SANDBOX_START_FAILED = "ratchet: the sandbox failed to start; the command did not run.";

/** Waits for `child` to finish; rejects only if it failed to start. `onDone` runs exactly once. */
export function superviseSandbox(
  child: ChildProcess,
  req: ExecRequest,
  started: number,
  opts: { drainMs: number; onDone: () => void },
): Promise<ExecResult> {
  const capture = new OutputCapture(req.maxOutputBytes);
  return new Promise<ExecResult>((resolve, reject) => {
    const flags = { timedOut: false, aborted: false };
    let exit: { code: number | null; signal: string | null } | undefined;
    let settled = false;
    let drainTimer: NodeJS.Timeout | undefined;
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // ESRCH: already gone
      }
    };
    const timeout = setTimeout(() => {
      flags.timedOut = true;
      kill();
    }, req.timeoutMs);
    const onAbort = () => {
      flags.aborted = true;
      kill();
    };
    req.signal?.addEventListener("abort", onAbort, { once: true });

    const settle = () => {
      clearTimeout(timeout);
      clearTimeout(drainTimer);
      req.signal?.removeEventListener("abort", onAbort);
      for (const s of child.stdio) s?.destroy();
      opts.onDone();
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      settle();
      const { text, truncated } = capture.finish();
      const e = exit ?? { code: null, signal: null };
      // bwrap reports its own setup failures as "bwrap: …" with exit status 1.
      const failed = e.code === 1 && text.startsWith("bwrap: ");
      resolve({
        exitCode: e.code,
        signal: e.signal,
        ...flags,
        output: failed ? `${SANDBOX_START_FAILED}\n${text}` : text,
        truncated,
        durationMs: Date.now() - started,
      });
    };
    const onExit = (code: number | null, signal: string | null) => {
      exit = { code, signal };
      drainTimer = setTimeout(finish, opts.drainMs);
    };
    child.stdout?.on("data", (chunk: Buffer) => capture.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => capture.push(chunk));
    child.on("error", (err) => {
      if (settled) return;
      settled = true;
      settle();
      reject(err);
    });
    // A standby that died before its call started (killed from outside) has exited already.
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
    else child.on("exit", onExit);
    child.on("close", finish);
  });
}
