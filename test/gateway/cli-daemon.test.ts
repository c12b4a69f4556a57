// The CLI and the daemon: `ratchet run --via-daemon` streams a run through a running daemon;
// without one it is an error, while config `cli.useDaemon` falls back to a local run; and the
// systemd unit and --help are current.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { ScriptedServer } from "../../src/testkit/scripted-server.js";
import { ratchet, type Sandbox } from "../support/cli.js";
import { type DaemonProc, daemonSandbox, modelConfig, useReactiveDaemon } from "./support.js";

let model: ScriptedServer;
let sb: Sandbox;
let d: DaemonProc;

useReactiveDaemon((f) => ({ model, sb, d } = f), { cliPort: true });

test("run --via-daemon sends the task through the daemon and prints the streamed answer", async () => {
  const r = await ratchet(["run", "through the daemon", "--via-daemon", "--json"], sb.env, {
    cwd: sb.workspace,
  });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { status: string; finalText: string; sessionId: string };
  assert.equal(out.status, "completed");
  assert.equal(out.finalText, "echo: through the daemon");
  const plain = await ratchet(["run", "plain output", "--via-daemon"], sb.env, { cwd: sb.workspace });
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /echo: plain output/);
});

test("--via-daemon without a daemon is an error; cli.useDaemon falls back to a local run", async () => {
  const other = daemonSandbox(model, { daemon: { port: 1 } });
  const explicit = await ratchet(["run", "x", "--via-daemon"], other.env, { cwd: other.workspace });
  assert.equal(explicit.code, 2);
  assert.match(explicit.stderr, /ratchet daemon/);
  writeFileSync(
    path.join(other.home, "config.json"),
    JSON.stringify(modelConfig(model, { daemon: { port: 1 }, cli: { useDaemon: true } })),
  );
  writeFileSync(path.join(other.home, "token"), "rt_x\n", { mode: 0o600 });
  const fallback = await ratchet(["run", "locally", "--json"], other.env, { cwd: other.workspace });
  assert.equal(fallback.code, 0, fallback.stderr);
  assert.equal((JSON.parse(fallback.stdout) as { finalText: string }).finalText, "echo: locally");
});

test("--print-systemd-unit prints a user unit; --help documents daemon and token", async () => {
  const unit = await ratchet(["daemon", "--print-systemd-unit", "--port", "7979"], sb.env);
  assert.equal(unit.code, 0);
  assert.match(unit.stdout, /\[Service\]/);
  assert.match(unit.stdout, /ExecStart=.* daemon --host 127\.0\.0\.1 --port 7979/);
  assert.match(unit.stdout, /Restart=on-failure/);
  const help = await ratchet(["--help"], sb.env);
  assert.match(help.stdout, /daemon/);
  assert.match(help.stdout, /token/);
  const dhelp = await ratchet(["daemon", "--help"], sb.env);
  assert.match(dhelp.stdout, /--allow-remote/);
});
