// `ratchet cron …` against a running daemon: add (cron and heartbeat), list, run now, runs, rm;
// the daemon's 400 message reaches the terminal; no daemon is a usage error that says what to do.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { ScriptedServer } from "../../src/testkit/scripted-server.js";
import { ratchet, type Sandbox } from "../support/cli.js";
import { type DaemonProc, daemonSandbox, useReactiveDaemon, waitMessage } from "./support.js";

let model: ScriptedServer;
let sb: Sandbox;
let d: DaemonProc;

useReactiveDaemon((f) => ({ model, sb, d } = f), { cliPort: true });

test("cron add → list → run → runs → rm", async () => {
  const opts = { cwd: sb.workspace };
  const bad = await ratchet(["cron", "add", "0 9 * *", "hello"], sb.env, opts);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /has 4 field\(s\)\. Use five fields/);

  const add = await ratchet(
    [
      "cron",
      "add",
      "30 7 * * *",
      "daily digest",
      "--tz",
      "Asia/Tokyo",
      "--catch-up",
      "all",
      "--name",
      "digest",
    ],
    sb.env,
    opts,
  );
  assert.equal(add.code, 0, add.stderr);
  const id = /^(cron_[0-9a-f]+)\s+next run \d{4}-\d\d-\d\d 22:30Z/.exec(add.stdout)?.[1];
  assert.ok(id, add.stdout);
  const hb = await ratchet(
    ["cron", "add", "*/5 * * * *", "triage", "--watch-file", "TODO.md", "--watch-glob", "inbox/*.md"],
    sb.env,
    opts,
  );
  assert.equal(hb.code, 0, hb.stderr);

  const list = await ratchet(["cron", "list", "--json"], sb.env, opts);
  const jobs = JSON.parse(list.stdout) as { id: string; kind: string; catchUp: string; checks: unknown[] }[];
  assert.deepEqual(
    jobs.map((j) => [j.kind, j.catchUp, j.checks.length]),
    [
      ["cron", "all", 0],
      ["heartbeat", "latest", 2],
    ],
  );
  const plain = await ratchet(["cron", "list"], sb.env, opts);
  assert.match(plain.stdout, new RegExp(`${id}\\s+on\\s+cron\\s+30 7 \\* \\* \\* \\(Asia/Tokyo\\)`));

  const run = await ratchet(["cron", "run", id], sb.env, opts);
  assert.equal(run.code, 0, run.stderr);
  const messageId = /message (msg_[0-9a-f]+)/.exec(run.stdout)?.[1] as string;
  assert.equal((await waitMessage(d, messageId)).reply, "echo: daily digest");
  const runs = await ratchet(["cron", "runs", id], sb.env, opts);
  assert.match(runs.stdout, new RegExp(`submitted\\s+${messageId}\\s+run now`));

  assert.equal((await ratchet(["cron", "rm", id], sb.env, opts)).code, 0);
  const gone = await ratchet(["cron", "runs", id], sb.env, opts);
  assert.equal(gone.code, 2);
  assert.match(gone.stderr, /No cron job/);
});

test("without a running daemon, cron commands say to start one", async () => {
  const other = daemonSandbox(model, { daemon: { port: 1 } });
  writeFileSync(path.join(other.home, "token"), "rt_x\n", { mode: 0o600 });
  const r = await ratchet(["cron", "list"], other.env, { cwd: other.workspace });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /ratchet daemon/);
});
