// The mount plan and the bwrap command line, checked without running bwrap: what is hidden,
// exposed and protected, and in which order bwrap applies it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import {
  BWRAP_ISOLATION_FLAGS,
  COMMAND_ENV,
  callArgs,
  encodeArgs,
  standbyArgv,
} from "../../src/sandbox/bwrap-args.js";
import {
  openProtectedPaths,
  planStaticLayout,
  rootOnlySecrets,
  visibleHostSockets,
} from "../../src/sandbox/layout.js";
import { userNamespaceFix } from "../../src/sandbox/probe.js";
import { preludeScript } from "../../src/sandbox/wrapper.js";
import { hostTempDir } from "./helpers.js";

const tmp = hostTempDir("layout");
after(() => tmp.cleanup());
const dir = (...p: string[]) => {
  const d = path.join(tmp.dir, ...p);
  fs.mkdirSync(d, { recursive: true });
  return d;
};
const home = dir("home");
const ws = dir("home", "proj");
const stateInWs = dir("home", "proj", ".state");
const state = dir("state");
fs.writeFileSync(path.join(tmp.dir, "secret-file"), "x");
fs.symlinkSync(state, path.join(tmp.dir, "state-link"));

describe("static layout", () => {
  const layout = planStaticLayout({
    workspace: ws,
    hide: [
      home,
      state,
      path.join(tmp.dir, "state-link"),
      stateInWs,
      path.join(tmp.dir, "secret-file"),
      "/nonexistent-x",
      ws,
    ],
    exposeReadOnly: [path.join(home, "missing-tool"), dir("home", ".nvm")],
    tmpfsSizeBytes: 1024,
  });

  it("hides dirs as tmpfs and files as /dev/null, resolving symlinks and skipping what is missing", () => {
    assert.deepEqual(layout.hiddenDirs, [home, state].sort());
    assert.deepEqual(layout.hiddenFiles, [path.join(tmp.dir, "secret-file")]);
    assert.deepEqual(layout.exposeReadOnly, [path.join(home, ".nvm")]);
  });

  it("never hides the workspace itself, and re-hides what lies inside it after binding it", () => {
    assert.ok(!layout.hiddenDirs.includes(ws));
    assert.deepEqual(layout.hiddenInWorkspace, [stateInWs]);
  });

  it("lists root-only secrets (shadow files, SSH host keys)", () => {
    const sshDir = dir("etc-ssh");
    for (const n of ["ssh_host_ed25519_key", "ssh_host_ed25519_key.pub", "ssh_config"])
      fs.writeFileSync(path.join(sshDir, n), "");
    assert.deepEqual(rootOnlySecrets(sshDir).slice(-1), [path.join(sshDir, "ssh_host_ed25519_key")]);
    assert.ok(rootOnlySecrets(sshDir).includes("/etc/shadow"));
  });

  it("orders bwrap's mounts so later ones cover earlier ones correctly", () => {
    const argv = standbyArgv({
      bwrap: "bwrap",
      uid: 65534,
      gid: 65534,
      argsFd: 3,
      shell: "/bin/bash",
      prelude: "PRELUDE",
    });
    const call = callArgs({
      mounts: {
        ...layout,
        protectedFds: [{ fd: 5, path: path.join(ws, "AGENTS.md") }],
        maskedSockets: ["/srv/app.sock"],
        proxySocket: "/tmp/p/proxy.sock",
      },
      cwd: ws,
      env: { PATH: "/usr/bin", HOME: home },
      seccompFd: 4,
      command: "echo hi",
    });
    // What bwrap sees: the argv up to --args, the call's options in their place, then the rest.
    const argsAt = argv.indexOf("--args");
    const args = [...argv.slice(0, argsAt), ...call, ...argv.slice(argsAt + 2)];
    const at = (...seq: string[]) => {
      const i = args.findIndex((_a: string, k: number) => seq.every((s, j) => args[k + j] === s));
      assert.ok(i >= 0, `missing ${seq.join(" ")}`);
      return i;
    };
    assert.equal(at("bwrap", "--ro-bind", "/", "/"), 0);
    const wsBind = at("--bind", ws, ws);
    assert.ok(at("--dev", "/dev") < wsBind);
    assert.ok(at("--tmpfs", home) < wsBind, "home hidden before the workspace is bound");
    assert.ok(at("--size", "1024", "--tmpfs", state) < wsBind);
    assert.ok(at("--tmpfs", stateInWs) > wsBind, "state inside the workspace hidden after binding it");
    assert.ok(at("--ro-bind-fd", "5", path.join(ws, "AGENTS.md")) > wsBind);
    assert.ok(at("--ro-bind", "/dev/null", "/srv/app.sock") > wsBind);
    assert.ok(
      at("--ro-bind", "/tmp/p/proxy.sock", "/tmp/p/proxy.sock") >
        at("--ro-bind", "/dev/null", "/srv/app.sock"),
    );
    for (const f of BWRAP_ISOLATION_FLAGS) assert.ok(argv.includes(f), f);
    assert.ok(at("--clearenv") < at("--setenv", "PATH", "/usr/bin"));
    at("--setenv", COMMAND_ENV, "echo hi");
    at("--seccomp", "4");
    at("--chdir", ws);
    assert.deepEqual(argv.slice(-7), ["--args", "3", "--", "/bin/bash", "-c", "PRELUDE", "bash"]);
    assert.equal(encodeArgs(["a", "b c"]).toString(), "a\0b c\0");
    assert.throws(() => encodeArgs(["a\0b"]), /NUL/);
  });
});

describe("per-call layout", () => {
  it("opens protected paths inside the workspace and skips symlinks out, FIFOs and missing ones", () => {
    const w = dir("w1");
    fs.writeFileSync(path.join(w, "AGENTS.md"), "x");
    fs.mkdirSync(path.join(w, ".git", "hooks"), { recursive: true });
    fs.symlinkSync(home, path.join(w, "skills"));
    assert.equal(spawnSync("mkfifo", [path.join(w, ".gitmodules")]).status, 0);
    const opened = openProtectedPaths(w, [
      "AGENTS.md",
      ".git/hooks",
      "skills",
      ".ratchet",
      ".gitmodules",
      ".",
    ]);
    try {
      assert.deepEqual(
        opened.map((o) => o.path),
        [path.join(w, "AGENTS.md"), path.join(w, ".git", "hooks")],
      );
    } finally {
      for (const o of opened) fs.closeSync(o.fd);
    }
  });

  it("masks host Unix sockets outside hidden dirs, from /proc/net/unix", async () => {
    const sockDir = dir("socks");
    const hidden = dir("hidden-socks");
    const servers = await Promise.all(
      [path.join(sockDir, "a.sock"), path.join(hidden, "b.sock")].map(
        (p) =>
          new Promise<net.Server>((r) => {
            const s = net.createServer();
            s.listen(p, () => r(s));
          }),
      ),
    );
    try {
      const found = visibleHostSockets({ coveredPrefixes: [hidden], hiddenDirs: [hidden] }, []);
      assert.ok(found.includes(path.join(sockDir, "a.sock")), found.join(","));
      assert.ok(!found.includes(path.join(hidden, "b.sock")));
      const table = path.join(tmp.dir, "fake-unix");
      fs.writeFileSync(
        table,
        `Num RefCount Protocol Flags Type St Inode Path\n0: 2 0 10000 1 1 1 ${path.join(sockDir, "a.sock")}\n0: 2 0 10000 1 1 2 @abstract\n0: 2 0 10000 1 1 3 /gone.sock\n`,
      );
      assert.deepEqual(visibleHostSockets({ coveredPrefixes: [], hiddenDirs: [] }, [], table), [
        path.join(sockDir, "a.sock"),
      ]);
      assert.deepEqual(
        visibleHostSockets({ coveredPrefixes: [], hiddenDirs: [] }, [path.join(sockDir, "a.sock")], table),
        [],
      );
    } finally {
      for (const s of servers) s.close();
    }
  });
});

describe("prelude and probe hints", () => {
  it("sets every configured limit, plus no core dumps", () => {
    const s = preludeScript({
      limits: { cpuSeconds: 10, addressSpaceBytes: 2048, processes: 7, fileSizeBytes: 4096 },
    });
    assert.match(s, /ulimit -c 0 -t 10 -v 2 -f 4 -u 7 \|\|/);
    assert.doesNotMatch(preludeScript({ limits: {} }), /-t |-v |-u |-f /);
    assert.ok(!s.includes("\n"), "one line, so bash's line numbers start at the command");
  });

  it("names the sysctl that blocks user namespaces", () => {
    const fix = (vals: Record<string, string>) => userNamespaceFix((p) => vals[p]);
    assert.match(
      fix({ "/proc/sys/kernel/unprivileged_userns_clone": "0" }),
      /kernel\.unprivileged_userns_clone=1/,
    );
    assert.match(fix({ "/proc/sys/user/max_user_namespaces": "0" }), /user\.max_user_namespaces=/);
    assert.match(
      fix({ "/proc/sys/kernel/apparmor_restrict_unprivileged_userns": "1" }),
      /apparmor_restrict_unprivileged_userns=0/,
    );
    assert.match(fix({}), /unprivileged_userns_clone.*max_user_namespaces.*apparmor/);
  });
});
