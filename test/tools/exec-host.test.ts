import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import type { ExecRequest } from "../../src/tools/exec-backend.js";
import { createHostExecBackend } from "../../src/tools/exec-host.js";
import { tempTree } from "./helpers.js";

const tree = tempTree({ "hello.txt": "hi\n" });
after(() => tree.cleanup());
const backend = createHostExecBackend({ killGraceMs: 300 });
const run = (command: string, extra: Partial<ExecRequest> = {}) =>
  backend.run({ command, cwd: tree.dir, timeoutMs: 20_000, maxOutputBytes: 30_000, ...extra });

// Gone means no such process, or a zombie waiting for init to reap it.
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}
async function waitGone(pid: number, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    if (isGone(pid)) return true;
  }
  return isGone(pid);
}
const pidsIn = (output: string) => [...output.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));

describe("host exec backend", () => {
  it("reports exit codes and runs in cwd", async () => {
    const ok = await run("cat hello.txt && pwd");
    assert.equal(ok.exitCode, 0);
    assert.equal(ok.signal, null);
    assert.equal(ok.output, `hi\n${tree.dir}\n`);
    assert.equal((await run("exit 3")).exitCode, 3);
    const missing = await run("definitely-not-a-command-xyz");
    assert.equal(missing.exitCode, 127);
    assert.match(missing.output, /not found/);
  });

  it("captures stderr together with stdout", async () => {
    const res = await run("echo out; echo err >&2; echo out2");
    assert.deepEqual(res.output.split("\n").sort(), ["", "err", "out", "out2"]);
  });

  it("timeout kills the whole group, grandchildren included", async () => {
    const cmd = [
      "sleep 100 & echo pid=$!",
      "bash -c 'sleep 100 & echo pid=$!; wait' &",
      "(trap '' TERM; exec sleep 100) & echo pid=$!", // ignores SIGTERM: needs the SIGKILL
      "wait",
    ].join("\n");
    const started = Date.now();
    const res = await run(cmd, { timeoutMs: 500 });
    assert.ok(Date.now() - started < 10_000, "did not hang");
    assert.equal(res.timedOut, true);
    assert.equal(res.exitCode, null);
    const pids = pidsIn(res.output);
    assert.equal(pids.length, 3, res.output);
    for (const pid of pids) assert.ok(await waitGone(pid), `pid ${pid} still alive`);
  });

  it("does not wait for a background process that holds the pipes after a normal exit", async () => {
    const started = Date.now();
    const res = await run("sleep 100 & echo pid=$!");
    assert.ok(Date.now() - started < 10_000, "did not hang");
    assert.equal(res.exitCode, 0);
    assert.equal(res.timedOut, false);
    const [pid] = pidsIn(res.output);
    process.kill(pid, "SIGKILL"); // our own leftover
  });

  it("abort kills the group; an already-aborted signal runs nothing", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const res = await run("sleep 100 & echo pid=$!; wait", { signal: ac.signal });
    assert.equal(res.aborted, true);
    assert.equal(res.timedOut, false);
    for (const pid of pidsIn(res.output)) assert.ok(await waitGone(pid));

    const pre = await run("touch ran.txt", { signal: AbortSignal.abort() });
    assert.equal(pre.aborted, true);
    assert.equal(fs.existsSync(path.join(tree.dir, "ran.txt")), false);
  });

  it("keeps head and tail of long output with a marker in the middle", async () => {
    const res = await run(
      "printf 'A%.0s' $(seq 1 5000); printf 'x%.0s' $(seq 1 90000); printf 'Z%.0s' $(seq 1 5000)",
      {
        maxOutputBytes: 1000,
      },
    );
    assert.equal(res.truncated, true);
    assert.equal(res.output, `${"A".repeat(500)}\n[… 99000 bytes omitted …]\n${"Z".repeat(500)}`);
  });

  it("keeps multi-byte characters whole, also at the cuts", async () => {
    assert.equal((await run("echo 'héllo wörld ✓ 日本'")).output, "héllo wörld ✓ 日本\n");
    const res = await run("printf 'é%.0s' $(seq 1 5000); printf '日%.0s' $(seq 1 5000)", {
      maxOutputBytes: 1003,
    });
    assert.equal(res.truncated, true);
    assert.ok(!res.output.includes("\uFFFD"), "no broken characters");
    assert.match(res.output, /^é+\n\[… \d+ bytes omitted …\]\n日+$/);
  });

  it("passes a minimal environment, not process.env", async () => {
    process.env.RATCHET_TEST_SECRET = "sk-should-not-leak";
    try {
      const res = await run("env", { env: { EXTRA_VAR: "given" } });
      assert.ok(!res.output.includes("sk-should-not-leak"));
      assert.match(res.output, /^TERM=dumb$/m);
      assert.match(res.output, /^PATH=/m);
      assert.match(res.output, /^HOME=/m);
      assert.match(res.output, /^EXTRA_VAR=given$/m);
    } finally {
      delete process.env.RATCHET_TEST_SECRET;
    }
  });

  it("rejects when the command cannot be started", async () => {
    await assert.rejects(run("true", { cwd: path.join(tree.dir, "missing-dir") }));
  });
});
