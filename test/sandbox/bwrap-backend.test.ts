// The bubblewrap backend end to end: results like the host backend's, process lifetime (nothing
// outlives a call), environment, fds, limits, the mount layout, and failing closed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { createSandboxExecBackend, SANDBOX_REFUSED_EXIT } from "../../src/sandbox/bwrap-backend.js";
import { callCgroupParents, memoryLimitEnforceable } from "../../src/sandbox/call-cgroup.js";
import type { ExecRequest } from "../../src/tools/exec-backend.js";
import { hostPidsWith, hostTempDir, requireSandbox, uniqueToken, waitFor } from "./helpers.js";

const tmp = hostTempDir("sandbox-backend");
after(() => tmp.cleanup());
const ws = path.join(tmp.dir, "ws");
const home = path.join(tmp.dir, "home");
const state = path.join(tmp.dir, "state");
for (const d of [ws, home, state, path.join(ws, "sub")]) fs.mkdirSync(d, { recursive: true });
fs.writeFileSync(path.join(home, "secret.txt"), "HOME-SECRET\n");
fs.writeFileSync(path.join(state, "ratchet.db"), "STATE-SECRET\n");

const backend = createSandboxExecBackend({
  workspace: ws,
  stateDir: state,
  hide: [home, "/tmp", "/run", "/var/run"],
  baseEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LANG: "C.UTF-8", TERM: "dumb" },
});
after(() => backend.close());
// bwrap processes started by this test process (the backends' standbys and running calls).
function childBwraps(): number[] {
  return fs
    .readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const stat = fs.readFileSync(`/proc/${n}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return stat.includes("(bwrap)") && Number(fields[1]) === process.pid && fields[0] !== "Z";
      } catch {
        return false;
      }
    })
    .map(Number);
}

const run = (command: string, extra: Partial<ExecRequest> = {}) =>
  backend.run({ command, cwd: ws, timeoutMs: 20_000, maxOutputBytes: 30_000, ...extra });

describe("sandbox exec backend", () => {
  before(requireSandbox);

  it("reports exit codes, runs in cwd, and writes to the workspace as the host user", async () => {
    const ok = await run("echo hi > out.txt && cat out.txt && pwd");
    assert.equal(ok.exitCode, 0, ok.output);
    assert.equal(ok.output, `hi\n${ws}\n`);
    const st = fs.statSync(path.join(ws, "out.txt"));
    assert.equal(st.uid, process.getuid!());
    assert.equal((await run("exit 3")).exitCode, 3);
    assert.equal((await run("pwd", { cwd: path.join(ws, "sub") })).output, `${path.join(ws, "sub")}\n`);
    const missing = await run("definitely-not-a-command-xyz");
    assert.equal(missing.exitCode, 127);
    assert.match(missing.output, /not found/);
  });

  it("runs the command like bash -c: $0, no positional parameters, stderr merged", async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion, not a JS template
    const res = await run('echo "$0 $#"; echo err >&2; echo "${__ratchet_cmd-unset}"');
    assert.deepEqual(res.output.split("\n").sort(), ["", "bash 0", "err", "unset"]);
  });

  it("gives an empty home, /tmp and /run, and hides the state dir and secrets", async () => {
    const res = await run(
      `echo "HOME=$HOME"; ls -A "$HOME" /tmp /run; cat ${home}/secret.txt ${state}/ratchet.db 2>&1; ls -A ${state}; echo x > /tmp/t && echo tmp-writable`,
    );
    assert.match(res.output, new RegExp(`^HOME=${home}$`, "m"));
    assert.doesNotMatch(res.output, /HOME-SECRET|STATE-SECRET/);
    assert.match(res.output, /tmp-writable/);
  });

  it("passes a minimal environment plus the request's, never the runtime's", async () => {
    process.env.RATCHET_TEST_SECRET = "sk-should-not-leak";
    try {
      const res = await run("env | sort", { env: { EXTRA_VAR: "given" } });
      assert.doesNotMatch(res.output, /sk-should-not-leak/);
      const names = res.output
        .trim()
        .split("\n")
        .map((l) => l.split("=")[0]);
      assert.deepEqual(names, ["EXTRA_VAR", "HOME", "LANG", "PATH", "PWD", "SHLVL", "TERM", "_"]);
      assert.match(res.output, /^TERM=dumb$/m);
    } finally {
      delete process.env.RATCHET_TEST_SECRET;
    }
  });

  it("closes every inherited fd above 2", async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion, not a JS template
    const res = await run('for f in /proc/self/fd/*; do [ -e "$f" ] && echo "${f##*/}"; done');
    assert.equal(res.output, "0\n1\n2\n");
  });

  it("runs as an unprivileged uid with no capabilities and no new privileges", async () => {
    const res = await run("id -u; grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status");
    const [uid] = res.output.split("\n");
    assert.notEqual(uid, "0");
    assert.match(res.output, /CapEff:\s+0+\n/);
    assert.match(res.output, /CapBnd:\s+0+\n/);
    assert.match(res.output, /NoNewPrivs:\s+1/);
    assert.match(res.output, /Seccomp:\s+2/);
  });

  it("a normal exit takes background and setsid children with it", async () => {
    const token = uniqueToken("bgkid");
    const res = await run(
      `(exec -a ${token} sleep 300) & setsid bash -c '(exec -a ${token} sleep 300) &' & sleep 0.2; echo started`,
    );
    assert.equal(res.exitCode, 0);
    assert.match(res.output, /started/);
    assert.ok(await waitFor(() => hostPidsWith(token).length === 0), `left running: ${hostPidsWith(token)}`);
  });

  it("timeout kills everything, including processes that ignore SIGTERM", async () => {
    const token = uniqueToken("tokill");
    const started = Date.now();
    const res = await run(
      `(trap '' TERM; exec -a ${token} sleep 300) & setsid bash -c '(exec -a ${token} sleep 300) & wait' & wait`,
      { timeoutMs: 700 },
    );
    assert.ok(Date.now() - started < 10_000, "did not hang");
    assert.equal(res.timedOut, true);
    assert.equal(res.exitCode, null);
    assert.equal(res.signal, "SIGKILL");
    assert.ok(await waitFor(() => hostPidsWith(token).length === 0), `left running: ${hostPidsWith(token)}`);
  });

  it("abort kills everything; an already-aborted signal runs nothing", async () => {
    const token = uniqueToken("toabort");
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 400);
    const res = await run(`(exec -a ${token} sleep 300) & wait`, { signal: ac.signal });
    assert.equal(res.aborted, true);
    assert.ok(await waitFor(() => hostPidsWith(token).length === 0));
    const pre = await run("touch ran.txt", { signal: AbortSignal.abort() });
    assert.equal(pre.aborted, true);
    assert.equal(fs.existsSync(path.join(ws, "ran.txt")), false);
  });

  it("keeps head and tail of long output", async () => {
    const res = await run(
      "printf 'A%.0s' $(seq 1 5000); printf 'x%.0s' $(seq 1 90000); printf 'Z%.0s' $(seq 1 5000)",
      {
        maxOutputBytes: 1000,
      },
    );
    assert.equal(res.truncated, true);
    assert.equal(res.output, `${"A".repeat(500)}\n[… 99000 bytes omitted …]\n${"Z".repeat(500)}`);
  });

  it("re-binds agent config in the workspace read-only, but not the rest", async () => {
    fs.mkdirSync(path.join(ws, ".ratchet"), { recursive: true });
    fs.mkdirSync(path.join(ws, ".git/hooks"), { recursive: true });
    fs.mkdirSync(path.join(ws, "skills/s1"), { recursive: true });
    fs.writeFileSync(path.join(ws, ".git/config"), "[core]\n");
    fs.writeFileSync(path.join(ws, "AGENTS.md"), "rules\n");
    const probe = (p: string) =>
      `(echo x >> ${p}) 2>/dev/null && echo "${p} writable" || echo "${p} read-only"`;
    const res = await run(
      [
        probe("AGENTS.md"),
        probe(".git/config"),
        probe(".git/hooks/pre-commit"),
        probe(".ratchet/config.json"),
        probe("skills/s1/SKILL.md"),
        probe("notes.md"),
        probe(".git/HEAD"),
      ].join("; "),
    );
    assert.equal(
      res.output,
      [
        "AGENTS.md read-only",
        ".git/config read-only",
        ".git/hooks/pre-commit read-only",
        ".ratchet/config.json read-only",
        "skills/s1/SKILL.md read-only",
        "notes.md writable",
        ".git/HEAD writable",
        "",
      ].join("\n"),
    );
    assert.equal(fs.readFileSync(path.join(ws, "AGENTS.md"), "utf8"), "rules\n");
  });

  it("does not follow a protected name that is a symlink to a hidden place", async () => {
    fs.rmSync(path.join(ws, "skills"), { recursive: true, force: true });
    fs.symlinkSync(home, path.join(ws, "skills"));
    try {
      const res = await run("cat skills/secret.txt 2>&1; echo done");
      assert.doesNotMatch(res.output, /HOME-SECRET/);
      assert.match(res.output, /done/);
    } finally {
      fs.unlinkSync(path.join(ws, "skills"));
    }
  });

  it("applies resource limits as hard limits", async () => {
    const small = createSandboxExecBackend({
      workspace: ws,
      stateDir: state,
      limits: { cpuSeconds: 1, addressSpaceBytes: 512 * 1024 ** 2, processes: 64, fileSizeBytes: 1024 ** 2 },
    });
    const r = (command: string) => small.run({ command, cwd: ws, timeoutMs: 20_000, maxOutputBytes: 30_000 });
    const limits = await r(
      "ulimit -Ht; ulimit -Hv; ulimit -Hu; ulimit -Hf; ulimit -Hc; ulimit -t 5 2>&1 || echo cannot-raise",
    );
    assert.deepEqual(limits.output.split("\n").slice(0, 5), ["1", String(512 * 1024), "64", "1024", "0"]);
    assert.match(limits.output, /cannot-raise/);
    const big = await r("head -c 2000000 /dev/zero > big.bin; echo status=$?");
    assert.match(big.output, /status=153/); // SIGXFSZ
    assert.ok(fs.statSync(path.join(ws, "big.bin")).size <= 1024 ** 2);
    const mem = await r("python3 -c 'bytearray(1024**3)' 2>&1 | tail -1");
    assert.match(mem.output, /MemoryError/);
    const cpu = await r("bash -c 'while :; do :; done'; echo status=$?");
    assert.match(cpu.output, /status=(152|137)/); // SIGXCPU, or SIGKILL at the hard limit
    if (process.getuid?.() === 0 && !callCgroupParents(["pids"]).pids) {
      // Root without a writable pids cgroup (e.g. a container): RLIMIT_NPROC exempts root, so the
      // limit cannot bind, and the probe must say so rather than pretend.
      const p = await small.probe();
      assert.ok(p.ok && p.warnings.some((w) => /process-count limit is not enforced/.test(w)));
    } else {
      const forks = await r("for i in $(seq 1 100); do sleep 5 & done 2>&1 | tail -1; echo forked");
      assert.match(forks.output, /fork|Resource temporarily unavailable/);
    }
    fs.rmSync(path.join(ws, "big.bin"), { force: true });
    await small.close();
  });

  it("holds the whole call to its memory limit: processes together, tmpfs files included", async (t) => {
    const mb = 1024 ** 2;
    const limited = createSandboxExecBackend({
      workspace: ws,
      stateDir: state,
      limits: { memoryBytes: 160 * mb },
    });
    const r = (command: string) =>
      limited.run({ command, cwd: ws, timeoutMs: 30_000, maxOutputBytes: 30_000 });
    try {
      if (!memoryLimitEnforceable()) {
        // No memory cgroup to be had: the limit cannot bind, and the probe must say so.
        const p = await limited.probe();
        assert.ok(p.ok && p.warnings.some((w) => /memory limit is not enforced/.test(w)), JSON.stringify(p));
        t.skip("no writable memory cgroup on this host");
        return;
      }
      const hold = (n: number) =>
        `python3 -c 'import time; b = bytearray(${n} * 1024**2); b[::4096] = b"x" * len(b[::4096]); time.sleep(2)'`;
      // Within the limit: fine, and nothing is said.
      const small = await r(`${hold(60)}; echo status=$?`);
      assert.match(small.output, /status=0/);
      assert.doesNotMatch(small.output, /memory limit/);
      // One process over it: killed by the kernel, and the output says why.
      const big = await r(`${hold(400)}; echo status=$?`);
      assert.match(big.output, /status=137/, big.output);
      assert.match(big.output, /killed for exceeding the command's memory limit of 160 MB/);
      // Two processes each under it, together over it: RLIMIT_AS could never catch this.
      const pair = await r(`(${hold(100)}) & (${hold(100)}) & wait; echo done`);
      assert.match(pair.output, /killed for exceeding the command's memory limit/, pair.output);
      // tmpfs files are memory too.
      const tmpfs = await r("head -c 400000000 /dev/zero > /tmp/fill; echo status=$?; rm -f /tmp/fill");
      assert.doesNotMatch(tmpfs.output, /status=0/, tmpfs.output);
      // The next call starts with a fresh budget.
      assert.match((await r(`${hold(60)}; echo status=$?`)).output, /status=0/);
    } finally {
      await limited.close();
    }
  });

  it("keeps one bwrap warm between calls, reuses it, and stops it on close", async () => {
    const others = new Set(childBwraps()); // standbys of the other backends in this file
    const b = createSandboxExecBackend({ workspace: ws, stateDir: state });
    const r = () => b.run({ command: "echo $$", cwd: ws, timeoutMs: 10_000, maxOutputBytes: 1000 });
    const mine = () => childBwraps().filter((p) => !others.has(p));
    const idle = () => mine().length;
    assert.equal((await r()).output, "1\n", "the command's shell is the namespace's init");
    assert.ok(await waitFor(() => idle() === 1), "one standby after a call");
    const [standby] = mine();
    await r();
    assert.ok(!mine().includes(standby), "the call used the standby");
    assert.ok(await waitFor(() => idle() === 1));
    await b.close();
    assert.ok(await waitFor(() => idle() === 0), "close stops the standby");
  });

  it("refuses a cwd outside the workspace, and rejects a missing one", async () => {
    const res = await run("touch x", { cwd: tmp.dir });
    assert.equal(res.exitCode, SANDBOX_REFUSED_EXIT);
    assert.match(res.output, /outside the sandbox's workspace/);
    await assert.rejects(run("true", { cwd: path.join(ws, "missing-dir") }));
  });

  it("runs every command while host sockets come and go (the mask list races bwrap's mounts)", async () => {
    // Another process binds and unlinks Unix sockets as fast as it can, so some are listed in
    // /proc/net/unix and gone by the time bwrap binds /dev/null over them.
    const churnDir = path.join(tmp.dir, "churn");
    fs.mkdirSync(churnDir);
    const churner = spawn(
      "python3",
      [
        "-c",
        `import socket, os, sys
d = sys.argv[1]
i = 0
while True:
    p = os.path.join(d, "s%d" % (i % 8)); i += 1
    s = socket.socket(socket.AF_UNIX); s.bind(p); s.listen(1); s.close(); os.unlink(p)`,
        churnDir,
      ],
      { stdio: "ignore" },
    );
    try {
      const failures: string[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await run("echo ok");
        if (res.exitCode !== 0 || res.output !== "ok\n") failures.push(res.output);
      }
      assert.deepEqual(failures, []);
    } finally {
      churner.kill("SIGKILL");
    }
  });
});

describe("sandbox exec backend when bwrap vanishes after the probe", () => {
  before(requireSandbox);
  it("rejects the call instead of hanging", async () => {
    const copy = path.join(tmp.dir, "bwrap-copy");
    fs.copyFileSync("/usr/bin/bwrap", copy);
    fs.chmodSync(copy, 0o755);
    const b = createSandboxExecBackend({ workspace: ws, stateDir: state, bwrapPath: copy });
    const r = () => b.run({ command: "echo ok", cwd: ws, timeoutMs: 10_000, maxOutputBytes: 1000 });
    try {
      assert.equal((await r()).output, "ok\n");
      fs.rmSync(copy);
      // The standby started ahead of time still works; the one after it cannot start.
      assert.equal((await r()).output, "ok\n");
      await assert.rejects(r(), /ENOENT/);
    } finally {
      await b.close();
    }
  });
});

describe("sandbox exec backend when no sandbox can start", () => {
  it("refuses every command with the reason and the fix, and runs nothing", async () => {
    const broken = createSandboxExecBackend({
      workspace: ws,
      stateDir: state,
      bwrapPath: "/nonexistent/bwrap",
    });
    const res = await broken.run({
      command: "touch should-not-exist",
      cwd: ws,
      timeoutMs: 5000,
      maxOutputBytes: 1000,
    });
    assert.equal(res.exitCode, SANDBOX_REFUSED_EXIT);
    assert.match(res.output, /bubblewrap \(bwrap\) is not installed/);
    assert.match(res.output, /apt-get install bubblewrap/);
    assert.equal(fs.existsSync(path.join(ws, "should-not-exist")), false);
    const probe = await broken.probe();
    assert.equal(probe.ok, false);
  });
});
