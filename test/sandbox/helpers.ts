// Shared fixtures for the sandbox tests: a fail-loudly check that bubblewrap works (CI installs
// it; a missing sandbox must fail the suite with the fix, never skip it), temp dirs outside /tmp
// (so "outside the workspace" means the read-only root, not a tmpfs that hides everything), and
// a scan of the host's processes.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { probeSandbox } from "../../src/sandbox/probe.js";

/** Asserts the sandbox can start here; the failure message carries the reason and the fix. */
export async function requireSandbox(): Promise<void> {
  const p = await probeSandbox();
  assert.ok(p.ok, p.ok ? "" : `the sandbox cannot start: ${p.reason}\nfix: ${p.fix}`);
}

/** A fresh, world-traversable dir under /var/tmp (visible read-only inside the sandbox). */
export function hostTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const base = fs.existsSync("/var/tmp") ? "/var/tmp" : os.tmpdir();
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(base, `ratchet-${prefix}-`)));
  fs.chmodSync(dir, 0o755);
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Host pids whose command line contains `token` (zombies excluded). */
export function hostPidsWith(token: string): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ");
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      if (cmd.includes(token) && !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z"))
        pids.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** Polls `cond` until it holds or `ms` pass; returns its last value. */
export async function waitFor(cond: () => boolean, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50)))
    if (cond()) return true;
  return cond();
}

/** A token unlikely to appear anywhere else on the machine. */
export const uniqueToken = (label: string) => `${label}${process.pid}x${Math.floor(Math.random() * 1e9)}`;
