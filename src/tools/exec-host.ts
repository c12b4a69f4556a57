// ExecBackend on the host: `bash -c` in its own process group (session), so a timeout or abort
// can kill everything the command started, grandchildren included. Commands get a minimal,
// explicit environment rather than process.env, so API keys and tokens held by the runtime do
// not leak into commands (or into the model's context through `env` output).
// Background processes that outlive a command that exited normally are left running, with their
// output discarded; the promise does not wait for them.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as os from "node:os";
import type { ExecBackend, ExecResult } from "./exec-backend.js";
import { OutputCapture } from "./output-capture.js";

/** Tuning for the host backend; the defaults suit interactive agent use. */
export interface HostExecOptions {
  /** Environment every command starts from; default `minimalEnv()`. */
  baseEnv?: Record<string, string>;
  /** Default /bin/bash, else /bin/sh. */
  shell?: string;
  /** Time between SIGTERM and SIGKILL to the group. Default 2000 ms. */
  killGraceMs?: number;
  /** After the shell exits, how long to keep reading pipes still held open by its children. Default 100 ms. */
  drainMs?: number;
}

/** PATH, HOME and LANG taken from `from` (with fallbacks), and TERM=dumb; nothing else. */
export function minimalEnv(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return {
    PATH: from.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: from.HOME ?? os.homedir(),
    LANG: from.LANG ?? "C.UTF-8",
    TERM: "dumb",
  };
}

/** Runs commands on this machine, each in its own process group. */
export function createHostExecBackend(opts: HostExecOptions = {}): ExecBackend {
  const shell = opts.shell ?? (existsSync("/bin/bash") ? "/bin/bash" : "/bin/sh");
  const baseEnv = opts.baseEnv ?? minimalEnv();
  const killGraceMs = opts.killGraceMs ?? 2000;
  const drainMs = opts.drainMs ?? 100;

  return {
    run(req) {
      const started = Date.now();
      const capture = new OutputCapture(req.maxOutputBytes);
      const result = (
        exit: { code: number | null; signal: string | null },
        flags: { timedOut: boolean; aborted: boolean },
      ): ExecResult => {
        const { text, truncated } = capture.finish();
        return {
          exitCode: exit.code,
          signal: exit.signal,
          ...flags,
          output: text,
          truncated,
          durationMs: Date.now() - started,
        };
      };
      if (req.signal?.aborted)
        return Promise.resolve(result({ code: null, signal: null }, { timedOut: false, aborted: true }));

      return new Promise<ExecResult>((resolve, reject) => {
        const child = spawn(shell, ["-c", req.command], {
          cwd: req.cwd,
          env: { ...baseEnv, ...req.env },
          detached: true, // setsid: the child leads a new process group we can signal as a whole
          stdio: ["ignore", "pipe", "pipe"],
        });
        const flags = { timedOut: false, aborted: false };
        let exit: { code: number | null; signal: string | null } | undefined;
        let settled = false;
        let drainTimer: NodeJS.Timeout | undefined;
        let killScheduled = false;

        const signalGroup = (sig: NodeJS.Signals) => {
          try {
            if (child.pid !== undefined) process.kill(-child.pid, sig);
          } catch {
            // ESRCH: the group is already gone.
          }
        };
        // SIGKILL follows even if the shell died of SIGTERM: children may ignore SIGTERM. The timer
        // is deliberately not unref'd, so the runtime cannot exit before the group is dead.
        const killGroup = () => {
          signalGroup("SIGTERM");
          if (killScheduled) return;
          killScheduled = true;
          setTimeout(() => signalGroup("SIGKILL"), killGraceMs);
        };
        const timeout = setTimeout(() => {
          flags.timedOut = true;
          killGroup();
        }, req.timeoutMs);
        const onAbort = () => {
          flags.aborted = true;
          killGroup();
        };
        req.signal?.addEventListener("abort", onAbort, { once: true });

        const settle = () => {
          clearTimeout(timeout);
          clearTimeout(drainTimer);
          req.signal?.removeEventListener("abort", onAbort);
          child.stdout.destroy();
          child.stderr.destroy();
        };
        const finish = () => {
          if (settled) return;
          settled = true;
          settle();
          resolve(result(exit ?? { code: null, signal: null }, flags));
        };

        child.stdout.on("data", (chunk: Buffer) => capture.push(chunk));
        child.stderr.on("data", (chunk: Buffer) => capture.push(chunk));
        child.on("error", (err) => {
          if (settled) return;
          settled = true;
          settle();
          reject(err);
        });
        // "close" waits for every holder of the pipes; a backgrounded grandchild may hold them
        // forever, so the shell's exit plus a short drain is enough to finish.
        child.on("exit", (code, signal) => {
          exit = { code, signal };
          drainTimer = setTimeout(finish, drainMs);
        });
        child.on("close", finish);
      });
    },
  };
}
