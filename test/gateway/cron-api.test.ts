// The /api/cron routes end to end over real sockets against a daemon child: validation 400s that
// say what to fix, create → list → run now → history, edit, delete, and auth like the rest.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { JobView } from "../../src/gateway/scheduler.js";
import type { ScriptedServer } from "../../src/testkit/scripted-server.js";
import type { Sandbox } from "../support/cli.js";
import { api, type DaemonProc, useReactiveDaemon, waitMessage } from "./support.js";

let model: ScriptedServer;
let sb: Sandbox;
let d: DaemonProc;

useReactiveDaemon((f) => ({ model, sb, d } = f));

test("bad input: 400s name the field and how to fix it", async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ prompt: "x", schedule: "* * * *" }, /has 4 field\(s\)\. Use five fields/],
    [{ prompt: "x", schedule: "0 25 * * *" }, /not a valid cron expression .*hour/],
    [{ prompt: "x", schedule: "0 9 * * *", timezone: "Berlin" }, /not a known IANA time zone/],
    [{ schedule: "0 9 * * *" }, /`prompt` is required/],
    [
      { prompt: "x", schedule: "0 9 * * *", catchUp: "some" },
      /`catchUp` must be one of "skip", "latest", "all"/,
    ],
    [{ prompt: "x", schedule: "0 9 * * *", kind: "heartbeat" }, /A heartbeat needs `checks`/],
    [
      { prompt: "x", schedule: "0 9 * * *", kind: "heartbeat", checks: [{ type: "command", command: "ls" }] },
      /`checks\[0\]` is not a check I can run/,
    ],
    [{ prompt: "x", schedule: "0 9 * * *", every: "day" }, /unknown field\(s\) `every`/],
  ];
  for (const [body, message] of cases) {
    const r = await api(d, "POST", "/api/cron", body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match((r.json.error as { message: string }).message, message);
  }
  assert.deepEqual((await api(d, "GET", "/api/cron")).json.jobs, [], "nothing stored");
});

test("create → list → run now → history; edit; delete", async () => {
  const created = await api(d, "POST", "/api/cron", {
    name: "morning",
    prompt: "good morning",
    schedule: "0 9 * * 1-5",
    timezone: "Europe/Berlin",
    catchUp: "skip",
  });
  assert.equal(created.status, 201);
  const job = created.json.job as JobView;
  assert.match(job.id, /^cron_[0-9a-f]{12}$/);
  const list = (await api(d, "GET", "/api/cron")).json.jobs as JobView[];
  assert.equal(list.length, 1);
  assert.equal(list[0].kind, "cron");
  assert.equal(list[0].catchUp, "skip");
  const next = new Date(list[0].nextRunAt as string);
  assert.ok(next.getTime() > Date.now());
  const berlin = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Berlin",
    hour: "2-digit",
    minute: "2-digit",
    weekday: "short",
  }).format(next);
  assert.match(berlin, /^(Mon|Tue|Wed|Thu|Fri) 09:00$/);

  const ran = await api(d, "POST", `/api/cron/${job.id}/run`);
  assert.equal(ran.status, 202);
  const run = ran.json.run as { outcome: string; messageId: string; detail: string };
  assert.equal(run.outcome, "submitted");
  assert.equal(run.detail, "run now");
  const done = await waitMessage(d, run.messageId);
  assert.equal(done.reply, "echo: good morning");
  const runs = (await api(d, "GET", `/api/cron/${job.id}/runs?limit=5`)).json.runs as {
    jobId: string;
    outcome: string;
    messageId: string;
  }[];
  assert.deepEqual(
    runs.map((r) => [r.jobId, r.outcome, r.messageId]),
    [[job.id, "submitted", run.messageId]],
  );
  const after1 = ((await api(d, "GET", "/api/cron")).json.jobs as JobView[])[0];
  assert.equal(after1.sessionId, done.sessionId, "the job keeps the session its first run created");
  assert.equal(after1.lastRun?.messageId, run.messageId);

  const badEdit = await api(d, "PATCH", `/api/cron/${job.id}`, { timezone: "Nowhere/Land" });
  assert.equal(badEdit.status, 400);
  const off = await api(d, "PATCH", `/api/cron/${job.id}`, { enabled: false, schedule: "*/10 * * * *" });
  assert.equal(off.status, 200);
  assert.equal((off.json.job as JobView).enabled, false);
  assert.equal((off.json.job as JobView).nextRunAt, null);
  assert.equal((off.json.job as JobView).schedule, "*/10 * * * *");

  assert.equal((await api(d, "DELETE", `/api/cron/${job.id}`)).status, 200);
  const gone = await api(d, "GET", `/api/cron/${job.id}/runs`);
  assert.equal(gone.status, 404);
  assert.match((gone.json.error as { message: string }).message, /No cron job/);
  assert.equal((await api(d, "DELETE", `/api/cron/${job.id}`)).status, 404);
});

test("a heartbeat run now names what changed in its prompt", async () => {
  mkdirSync(path.join(sb.workspace, "watched"), { recursive: true });
  writeFileSync(path.join(sb.workspace, "watched", "todo.md"), "ship it\n");
  const created = await api(d, "POST", "/api/cron", {
    kind: "heartbeat",
    prompt: "check",
    schedule: "0 0 1 1 *",
    timezone: "UTC",
    checks: [{ type: "glob", pattern: "*.md", cwd: "watched" }],
  });
  assert.equal(created.status, 201);
  const id = (created.json.job as JobView).id;
  const ran = (await api(d, "POST", `/api/cron/${id}/run`)).json.run as { messageId: string; detail: string };
  assert.match(ran.detail, /glob \*\.md in watched: first check \(1 paths\)/);
  await waitMessage(d, ran.messageId);
  const last = model.requests.at(-1)?.json?.messages?.at(-1) as { content: string };
  assert.match(last.content, /^check\n\n\[heartbeat check\] What changed since the last check:\n- glob/);
  await api(d, "DELETE", `/api/cron/${id}`);
});

test("the cron routes need the token", async () => {
  assert.equal((await api({ url: d.url, token: "wrong" }, "GET", "/api/cron")).status, 401);
});
