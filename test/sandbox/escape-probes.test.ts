// The escape-probe suite: every probe in probes.ts runs through Ratchet's own exec tool, once with
// the sandbox backend (all must be blocked while writing inside the workspace works) and once
// with the host backend as a control (the probes must detect the escapes there, except those that
// cannot apply on this host, each with its reason). Targets are loopback servers, sockets, files
// and a process this test creates; the fake SSH key and state live in temp dirs, never in the
// real home.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { hostPidsWith, hostTempDir, requireSandbox, uniqueToken, waitFor } from "./helpers.js";
import type { HarnessConfig, HarnessOutput } from "./probe-harness.js";
import { PROBES, type ProbeTargets, verdictOf } from "./probes.js";

const HARNESS = path.join(path.dirname(fileURLToPath(import.meta.url)), "probe-harness.js");
const isRoot = process.getuid?.() === 0;

const tmp = hostTempDir("escape");
const home = path.join(tmp.dir, "home");
const state = path.join(tmp.dir, "state");
const sockDir = path.join(tmp.dir, "sock");
for (const d of [path.join(home, ".ssh"), state, sockDir]) fs.mkdirSync(d, { recursive: true });
fs.writeFileSync(
  path.join(home, ".ssh", "id_ed25519"),
  "-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE-PRIVATE-KEY\n-----END OPENSSH PRIVATE KEY-----\n",
  { mode: 0o600 },
);
fs.writeFileSync(path.join(state, "sentinel.txt"), "STATE-SENTINEL\n");
const leakFile = path.join(tmp.dir, "leaked-fd.txt");
const LEAK_FD = 100;
fs.writeFileSync(leakFile, "LEAKED-FD\n");

// Loopback servers that greet every connection and count them.
const connections = { tcp4: 0, tcp6: 0, unix: 0, abstract: 0 };
const servers: net.Server[] = [];
function greeter(kind: keyof typeof connections): net.Server {
  const s = net.createServer((c) => {
    connections[kind]++;
    c.on("error", () => {});
    c.end("HELLO\n");
  });
  servers.push(s);
  return s;
}
const listen = (s: net.Server, opts: net.ListenOptions) =>
  new Promise<number>((resolve, reject) => {
    s.once("error", reject);
    s.listen(opts, () => resolve((s.address() as net.AddressInfo | null)?.port ?? 0));
  });

let hostSleep: ChildProcess | undefined;
const results: Record<"sandbox" | "host", Map<string, string>> = { sandbox: new Map(), host: new Map() };
/** The host harness's own view of the fd the test hands it (see HarnessOutput.leakFd). */
let hostHarnessLeakFd = "";
const connectionsAfterSandbox = { ...connections };
let targetsFor: (run: "sandbox" | "host") => ProbeTargets;
let daemonLeftAfterSandbox: number[] = [];

function runHarness(config: HarnessConfig, secret: string): Promise<HarnessOutput> {
  const configPath = path.join(tmp.dir, `${config.backend}-config.json`);
  fs.writeFileSync(configPath, JSON.stringify(config));
  const leakFd = fs.openSync(leakFile, "r");
  const child = spawn(process.execPath, [HARNESS, configPath], {
    env: { PATH: process.env.PATH, LANG: "C.UTF-8", HOME: home, RATCHET_HOME: state, SECRET_TOKEN: secret },
    // fd 100 of the harness is inherited without CLOEXEC: a runtime that leaks fds passes it on.
    // (Node marks low inherited fds, up to about 17, close-on-exec at start-up; a high one stays.)
    stdio: ["ignore", "pipe", "inherit", ...Array<"ignore">(LEAK_FD - 3).fill("ignore"), leakFd],
  });
  fs.closeSync(leakFd);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0)
        return reject(new Error(`probe harness (${config.backend}) exited with ${code}: ${out}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1)!) as HarnessOutput);
    });
  });
}

function readableDisk(): boolean {
  for (const d of fs
    .readdirSync("/dev")
    .filter((n) => /^(sd[a-z]|vd[a-z]|xvd[a-z]|nvme\dn\d|mmcblk\d)$/.test(n))) {
    try {
      fs.closeSync(fs.openSync(`/dev/${d}`, "r"));
      return true;
    } catch {
      // EPERM/EACCES: not readable here
    }
  }
  return false;
}

/** Why a probe cannot show an escape on this host, if it cannot. */
function hostControlNotApplicable(name: string, t: ProbeTargets): string | undefined {
  const needsRoot = ["read-shadow", "raw-sockets", "mount", "block-devices", "setuid-copy", "nested-userns"];
  if (!isRoot && needsRoot.includes(name)) return "needs root on the host";
  if (name === "tcp6-loopback" && t.tcp6Port === 0) return "the host has no IPv6 loopback";
  if (name === "io_uring") {
    const disabled = fs.existsSync("/proc/sys/kernel/io_uring_disabled")
      ? fs.readFileSync("/proc/sys/kernel/io_uring_disabled", "utf8").trim()
      : "0";
    if (disabled === "2" || (disabled === "1" && !isRoot))
      return `io_uring is disabled on the host (io_uring_disabled=${disabled})`;
  }
  if (name === "block-devices" && !readableDisk())
    return "no disk device is readable on this host, even by root (device cgroup)";
  if (name === "setuid-copy" && !["/usr/bin/setpriv", "/bin/setpriv"].some((p) => fs.existsSync(p)))
    return "setpriv (util-linux) is missing on the host";
  return undefined;
}

describe("escape probes through the exec tool", () => {
  before(async () => {
    await requireSandbox();
    const tcp4Port = await listen(greeter("tcp4"), { host: "127.0.0.1", port: 0 });
    const tcp6Port = await listen(greeter("tcp6"), { host: "::1", port: 0, ipv6Only: true }).catch(() => 0);
    const unixPath = path.join(sockDir, "host.sock");
    await listen(greeter("unix"), { path: unixPath });
    const abstractName = uniqueToken("ratchet-probe-abstract-");
    await listen(greeter("abstract"), { path: `\0${abstractName}` });
    // Node pads abstract names to the full sun_path; take the address as the kernel lists it.
    const listed = fs
      .readFileSync("/proc/net/unix", "latin1")
      .split("\n")
      .find((l) => l.includes(`@${abstractName}`));
    assert.ok(listed, "abstract socket not listed");
    const abstractAddress = listed.slice(listed.indexOf(`@${abstractName}`)).replaceAll("@", "\0");
    const hostSocketPaths = fs
      .readFileSync("/proc/net/unix", "latin1")
      .split("\n")
      .map((l) => l.slice(l.indexOf(" /") + 1))
      .filter((p) => p.startsWith("/") && p !== unixPath && fs.existsSync(p) && fs.statSync(p).isSocket());
    const hostPidToken = uniqueToken("ratchet-probe-host-");
    hostSleep = spawn("sleep", ["600"], { argv0: hostPidToken, stdio: "ignore" });
    const daemonToken = uniqueToken("ratchet-probe-daemon-");
    targetsFor = (run) => ({
      out: path.join(tmp.dir, run, "out"),
      hostHome: home,
      stateDir: state,
      tcp4Port,
      tcp6Port,
      unixPath,
      abstractAddress,
      hostSocketPaths,
      hostPid: hostSleep!.pid!,
      hostPidToken,
      daemonToken,
    });

    for (const run of ["sandbox", "host"] as const) {
      const ws = path.join(tmp.dir, run, "ws");
      fs.mkdirSync(ws, { recursive: true });
      fs.mkdirSync(targetsFor(run).out);
      fs.writeFileSync(path.join(targetsFor(run).out, "victim.txt"), "original\n");
      for (const d of [path.join(tmp.dir, run), ws, targetsFor(run).out]) fs.chmodSync(d, 0o755);
      const secret = `rtk-${uniqueToken("secret")}`;
      const res = await runHarness({ backend: run, workspace: ws, targets: targetsFor(run) }, secret);
      for (const r of res.results) results[run].set(r.name, r.content);
      if (run === "host") hostHarnessLeakFd = res.leakFd;
      if (run === "sandbox") {
        Object.assign(connectionsAfterSandbox, connections);
        daemonLeftAfterSandbox = hostPidsWith(daemonToken);
      }
    }
  });

  after(() => {
    hostSleep?.kill("SIGKILL");
    for (const s of servers) s.close();
    for (const pid of hostPidsWith("ratchet-probe-daemon-")) process.kill(pid, "SIGKILL");
    const t = targetsFor?.("sandbox");
    const rows = PROBES.filter((p) => p.name !== "detached-daemon-start").map((p) => {
      const sb = verdictOf(results.sandbox.get(p.name) ?? "") ?? "?";
      const na = t ? hostControlNotApplicable(p.name, t) : undefined;
      const host = verdictOf(results.host.get(p.name) ?? "") ?? "?";
      return `| ${p.name} | ${sb} | ${na ? `n/a (${na})` : host} |`;
    });
    console.log(["| probe | sandbox | host control |", "| --- | --- | --- |", ...rows].join("\n"));
    try {
      fs.rmSync(path.join(tmp.dir, "host", "ws", "mnt"), { recursive: true, force: true });
    } catch {
      // a mount left by a failed host-control umount would need root to clear
    }
    tmp.cleanup();
  });

  it("the sandbox blocks every probe, while writing in the workspace works", () => {
    const failures: string[] = [];
    for (const p of PROBES) {
      const out = results.sandbox.get(p.name) ?? "(not run)";
      const verdict = verdictOf(out);
      const want =
        p.name === "workspace-write" ? "WORKS" : p.name === "detached-daemon-start" ? "STARTED" : "BLOCKED";
      if (verdict !== want) failures.push(`${p.name}: expected ${want}, got:\n${out}`);
    }
    assert.deepEqual(failures, []);
  });

  it("the host control shows the probes detect escapes", () => {
    const t = targetsFor("host");
    // The inherited-fds control needs the harness to hold the test's fd without O_CLOEXEC (02000000).
    const flags = /^flags:\s*([0-7]+)/m.exec(hostHarnessLeakFd)?.[1];
    assert.ok(
      hostHarnessLeakFd.includes("leaked-fd.txt") &&
        flags !== undefined &&
        !(Number.parseInt(flags, 8) & 0o2000000),
      `the host harness must hold fd ${LEAK_FD} without CLOEXEC; it has: ${hostHarnessLeakFd}`,
    );
    const failures: string[] = [];
    for (const p of PROBES) {
      const out = results.host.get(p.name) ?? "(not run)";
      const want =
        p.name === "workspace-write" ? "WORKS" : p.name === "detached-daemon-start" ? "STARTED" : "ESCAPED";
      if (hostControlNotApplicable(p.name, t)) continue;
      if (verdictOf(out) !== want)
        failures.push(
          `${p.name}: expected ${want} on the host, got:\n${out}` +
            (p.name === "inherited-fds" ? `\nthe harness's fd ${LEAK_FD}: ${hostHarnessLeakFd}` : ""),
        );
    }
    assert.deepEqual(failures, []);
  });

  it("nothing the sandboxed probes did reached the host", async () => {
    const out = targetsFor("sandbox").out;
    assert.deepEqual(fs.readdirSync(out), ["victim.txt"]);
    assert.equal(fs.readFileSync(path.join(out, "victim.txt"), "utf8"), "original\n");
    assert.deepEqual(connectionsAfterSandbox, { tcp4: 0, tcp6: 0, unix: 0, abstract: 0 });
    assert.deepEqual(daemonLeftAfterSandbox, [], "the detached daemon outlived its call");
    assert.equal(fs.existsSync(path.join(tmp.dir, "sandbox", "ws", "daemon-marker")), false);
    assert.ok(await waitFor(() => hostSleep?.exitCode === null), "the host process is still alive");
    // The host control, by contrast, did leave its traces.
    assert.ok(fs.existsSync(path.join(targetsFor("host").out, "direct.txt")));
    assert.ok(connections.tcp4 > connectionsAfterSandbox.tcp4);
  });
});
