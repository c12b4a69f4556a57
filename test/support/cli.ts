// Runs the real `ratchet` binary as a child process, with its own RATCHET_HOME and workspace.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (tests run from dist/test/…). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const BIN = path.join(ROOT, "bin", "ratchet.js");

export interface Sandbox {
  home: string;
  workspace: string;
  env: NodeJS.ProcessEnv;
}

/** A fresh RATCHET_HOME and workspace, and an environment without the developer's keys. */
export function sandbox(config?: unknown): Sandbox {
  const base = mkdtempSync(path.join(os.tmpdir(), "ratchet-e2e-"));
  const home = path.join(base, "home");
  const workspace = path.join(base, "ws");
  mkdirSync(home);
  mkdirSync(workspace);
  if (config !== undefined) writeFileSync(path.join(home, "config.json"), JSON.stringify(config));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: base, RATCHET_HOME: home };
  return { home, workspace, env };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `ratchet args…` to completion. */
export function ratchet(
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { cwd?: string; input?: string } = {},
): Promise<CliResult> {
  const child = spawnRatchet(args, env, opts.cwd);
  if (opts.input !== undefined) child.stdin?.end(opts.input);
  else child.stdin?.end();
  return finished(child);
}

/** Starts `ratchet args…` and returns the process (for kill tests). */
export function spawnRatchet(args: string[], env: NodeJS.ProcessEnv, cwd?: string): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env, cwd: cwd ?? ROOT, stdio: ["pipe", "pipe", "pipe"] });
}

/** Collects a child's output until it exits. */
export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}
