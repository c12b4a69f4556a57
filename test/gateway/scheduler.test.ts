// The scheduler with an injected clock and timers: catch-up after downtime by policy, on-time
// firing, time zones across a DST change, restart without re-running a slot, a slot submitted
// just before a crash, and heartbeats that make no model call when nothing changed.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { InboxMessage } from "../../src/gateway/inbox.js";
import { InboxStore } from "../../src/gateway/inbox.js";
import { RunManager, type SubmitInput } from "../../src/gateway/run-manager.js";
import { checkSchedule, Scheduler, type Timers } from "../../src/gateway/scheduler.js";
import { type CatchUpPolicy, type NewJob, SchedulerStore } from "../../src/gateway/scheduler-store.js";
import { ApprovalStore } from "../../src/runtime/approval-store.js";
import { SessionStore } from "../../src/runtime/session-store.js";
import type { ExecBackend } from "../../src/tools/exec-backend.js";
import { scriptedStream } from "../support/scripted-stream.js";

const HOUR = 3_600_000;
const MIN = 60_000;

/** A clock and timers that move only when the test says so. */
class FakeTime implements Timers {
  private pending = new Set<{ fn: () => void; at: number }>();
  constructor(public t: number) {}
  now = () => this.t;
  set = (fn: () => void, ms: number) => {
    const h = { fn, at: this.t + ms };
    this.pending.add(h);
    return h;
  };
  clear = (h: unknown) => {
    this.pending.delete(h as { fn: () => void; at: number });
  };
  /** Moves time forward, firing due timers in order (a fired timer may arm the next). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.pending].filter((h) => h.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.pending.delete(due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
  }
  /** Delays of armed timers. */
  armed(): number[] {
    return [...this.pending].map((h) => h.at - this.t);
  }
}

/** A submit that records what it was given, and a lookup over what it stored. */
function fakeRunner() {
  const sent: SubmitInput[] = [];
  const byKey = new Map<string, InboxMessage>();
  return {
    sent,
    byKey,
    submit(input: SubmitInput) {
      const message = {
        id: `msg_${sent.length + 1}`,
        sessionId: input.sessionId ?? `ses_${sent.length + 1}`,
        text: input.text,
        status: "queued",
        createdAt: 0,
        idempotencyKey: input.idempotencyKey ?? null,
        workspace: input.workspace ?? "/",
        model: null,
        host: null,
        error: null,
      } satisfies InboxMessage;
      sent.push(input);
      if (input.idempotencyKey) byKey.set(input.idempotencyKey, message);
      return { message, duplicate: false };
    },
    lookup: (key: string) => byKey.get(key),
  };
}

function tmpDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), "ratchet-sched-"));
}

function job(over: Partial<NewJob> = {}): NewJob {
  return {
    name: "hourly",
    kind: "cron",
    schedule: "0 * * * *",
    timezone: "UTC",
    prompt: "summarise the day",
    workspace: null,
    catchUp: "latest",
    checks: [],
    enabled: true,
    ...over,
  };
}

function setup(start: string) {
  const dir = tmpDir();
  const db = path.join(dir, "ratchet.db");
  const time = new FakeTime(Date.parse(start));
  const runner = fakeRunner();
  const open = () => {
    const store = new SchedulerStore(db, time.now);
    const scheduler = new Scheduler({
      store,
      submit: runner.submit,
      lookup: runner.lookup,
      defaultWorkspace: dir,
      now: time.now,
      timers: time,
    });
    return { store, scheduler };
  };
  return { dir, db, time, runner, open };
}

for (const [policy, runs, skipped] of [
  ["all", 5, 0],
  ["latest", 1, 4],
  ["skip", 0, 5],
] as [CatchUpPolicy, number, number][]) {
  test(`catch-up "${policy}": an hourly job down for 5 h runs ${runs} and records ${skipped} skipped`, () => {
    const s = setup("2026-01-01T00:30:00Z");
    let { store, scheduler } = s.open();
    const created = scheduler.create(job({ catchUp: policy }));
    scheduler.start();
    scheduler.stop(); // the daemon goes down before 01:00
    store.close();
    s.time.advance(5 * HOUR); // back at 05:30: slots 01:00 … 05:00 were missed
    ({ store, scheduler } = s.open());
    scheduler.start();
    const history = store.runs(created.id, 100).reverse();
    assert.equal(s.runner.sent.length, runs);
    assert.deepEqual(
      history.map((r) => [new Date(r.scheduledFor).toISOString().slice(11, 16), r.outcome]),
      ["01:00", "02:00", "03:00", "04:00", "05:00"].map((t, i) => [
        t,
        i >= 5 - runs ? "caught-up" : "skipped-missed",
      ]),
    );
    const keys = s.runner.sent.map((m) => m.idempotencyKey);
    assert.deepEqual(
      keys,
      ["01", "02", "03", "04", "05"]
        .slice(5 - runs)
        .map((h) => `cron:${created.id}:2026-01-01T${h}:00:00.000Z`),
    );
    for (const r of history.filter((r) => r.outcome === "skipped-missed"))
      assert.match(r.detail ?? "", /missed/);
    // Next slot is 06:00, half an hour away.
    assert.deepEqual(s.time.armed(), [30 * MIN]);
    scheduler.stop();
    store.close();
  });
}

test('catch-up "all" is bounded: a 30 h outage runs the 20 latest slots, the rest in one summary row', () => {
  const s = setup("2026-01-01T00:30:00Z");
  let { store, scheduler } = s.open();
  const created = scheduler.create(job({ catchUp: "all" }));
  store.close();
  s.time.advance(30 * HOUR);
  ({ store, scheduler } = s.open());
  scheduler.start();
  assert.equal(s.runner.sent.length, 20);
  const history = store.runs(created.id, 100).reverse();
  const skipped = history.filter((r) => r.outcome === "skipped-missed");
  assert.equal(history.filter((r) => r.outcome === "caught-up").length, 20);
  assert.equal(skipped.length, 2, "one summary row and one over-the-limit row");
  assert.match(skipped[0].detail ?? "", /^9 slot\(s\) from 2026-01-01T01:00:00.000Z/);
  assert.equal(s.runner.sent[0].idempotencyKey, `cron:${created.id}:2026-01-01T11:00:00.000Z`);
  assert.match(skipped[1].detail ?? "", /over the catch-up limit of 20/);
  assert.equal(store.get(created.id)?.lastScheduledAt, Date.parse("2026-01-02T06:00:00Z"));
  scheduler.stop();
  store.close();
});

test("while running, each slot fires on time once as 'submitted', into one session kept across runs", () => {
  const s = setup("2026-01-01T00:30:00Z");
  const { store, scheduler } = s.open();
  const created = scheduler.create(job());
  scheduler.start();
  assert.deepEqual(s.time.armed(), [30 * MIN]);
  s.time.advance(3 * HOUR);
  const history = store.runs(created.id, 10).reverse();
  assert.deepEqual(
    history.map((r) => r.outcome),
    ["submitted", "submitted", "submitted"],
  );
  assert.equal(s.runner.sent.length, 3);
  assert.equal(s.runner.sent[0].sessionId, undefined, "the first run creates the job's session");
  assert.deepEqual(
    s.runner.sent.slice(1).map((m) => m.sessionId),
    ["ses_1", "ses_1"],
  );
  assert.equal(store.get(created.id)?.sessionId, "ses_1");
  scheduler.stop();
  store.close();
});

test("restart: closing and reopening the store and scheduler does not re-run a handled slot", () => {
  const s = setup("2026-01-01T00:30:00Z");
  let { store, scheduler } = s.open();
  const created = scheduler.create(job({ catchUp: "all" }));
  scheduler.start();
  s.time.advance(40 * MIN); // 01:10: the 01:00 slot ran
  assert.equal(s.runner.sent.length, 1);
  scheduler.stop();
  store.close();
  ({ store, scheduler } = s.open());
  scheduler.start();
  scheduler.tick();
  assert.equal(s.runner.sent.length, 1);
  assert.equal(store.runs(created.id, 10).length, 1);
  scheduler.stop();
  store.close();
});

test("a slot submitted just before a crash (history not yet written) is recorded, never sent again", () => {
  const s = setup("2026-01-01T00:30:00Z");
  let { store, scheduler } = s.open();
  const created = scheduler.create(job({ catchUp: "all" }));
  store.close();
  // The crash: the 01:00 message reached the inbox, the history write did not.
  const key = `cron:${created.id}:2026-01-01T01:00:00.000Z`;
  s.runner.submit({ text: "summarise the day", idempotencyKey: key });
  s.time.advance(HOUR);
  ({ store, scheduler } = s.open());
  scheduler.start();
  assert.equal(s.runner.sent.length, 1, "not submitted a second time");
  const [run] = store.runs(created.id, 10);
  assert.equal(run.messageId, "msg_1");
  assert.match(run.detail ?? "", /not sent again/);
  assert.equal(store.get(created.id)?.sessionId, "ses_1");
  scheduler.stop();
  store.close();
});

test("time zones: 09:00 Europe/Berlin fires at 08:00Z before the DST change and 07:00Z after", () => {
  const s = setup("2026-03-27T12:00:00Z");
  const { store, scheduler } = s.open();
  const created = scheduler.create(job({ schedule: "0 9 * * *", timezone: "Europe/Berlin" }));
  scheduler.start();
  s.time.advance(3 * 24 * HOUR);
  assert.deepEqual(
    store
      .runs(created.id, 10)
      .reverse()
      .map((r) => [new Date(r.scheduledFor).toISOString(), r.outcome]),
    [
      ["2026-03-28T08:00:00.000Z", "submitted"],
      ["2026-03-29T07:00:00.000Z", "submitted"],
      ["2026-03-30T07:00:00.000Z", "submitted"],
    ],
  );
  scheduler.stop();
  store.close();
});

test("a far-off slot arms a capped timer that re-arms instead of overflowing setTimeout", () => {
  const s = setup("2026-01-01T00:30:00Z");
  const { store, scheduler } = s.open();
  const created = scheduler.create(job({ schedule: "0 0 1 1 *" })); // yearly
  scheduler.start();
  assert.deepEqual(s.time.armed(), [2 ** 31 - 1]);
  s.time.advance(2 ** 31 - 1);
  assert.equal(s.runner.sent.length, 0);
  assert.equal(s.time.armed().length, 1);
  s.time.advance(366 * 24 * HOUR);
  assert.equal(store.runs(created.id, 10)[0]?.outcome, "submitted");
  assert.equal(s.runner.sent.length, 1);
  scheduler.stop();
  store.close();
});

test("bad schedules and time zones are refused with a message saying what to fix", () => {
  assert.throws(() => checkSchedule("* * * *", "UTC"), /has 4 field\(s\).*five fields/);
  assert.throws(() => checkSchedule("61 * * * *", "UTC"), /not a valid cron expression.*minute/);
  assert.throws(() => checkSchedule("0 0 30 2 *", "UTC"), /never fires/);
  assert.throws(() => checkSchedule("0 9 * * *", "Mars/Olympus"), /IANA time zone.*Europe\/Berlin/);
  assert.doesNotThrow(() => checkSchedule("@daily", "America/New_York"));
  const s = setup("2026-01-01T00:30:00Z");
  const { scheduler, store } = s.open();
  assert.throws(() => scheduler.create(job({ kind: "heartbeat" })), /needs `checks`/);
  assert.throws(() => scheduler.create(job({ workspace: "nope" })), /is not a folder/);
  assert.throws(
    () => scheduler.create(job({ checks: [{ type: "file", path: "a" }] })),
    /only apply to heartbeats/,
  );
  store.close();
});

test("disabled jobs do not fire, and re-enabling does not catch up the time they were off", () => {
  const s = setup("2026-01-01T00:30:00Z");
  const { store, scheduler } = s.open();
  const created = scheduler.create(job({ catchUp: "all" }));
  scheduler.start();
  scheduler.update(created.id, { enabled: false });
  assert.deepEqual(s.time.armed(), []);
  s.time.advance(3 * HOUR);
  scheduler.update(created.id, { enabled: true });
  scheduler.tick();
  assert.equal(s.runner.sent.length, 0);
  assert.equal(store.runs(created.id, 10).length, 0);
  scheduler.stop();
  store.close();
});

// ---- heartbeats, with the real run manager and a counting model ----

function heartbeatSetup() {
  const s = setup("2026-01-01T00:00:00Z");
  const workspace = path.join(s.dir, "ws");
  mkdirSync(path.join(workspace, "inbox"), { recursive: true });
  writeFileSync(path.join(workspace, "notes.md"), "first\n");
  const stores = {
    sessions: new SessionStore(s.db),
    inbox: new InboxStore(s.db),
    approvals: new ApprovalStore(s.db),
  };
  const model = scriptedStream(Array.from({ length: 10 }, () => ({ text: "noted" })));
  const exec: ExecBackend = {
    run: async () => {
      throw new Error("no exec in this test");
    },
  };
  const manager = new RunManager({
    home: s.dir,
    store: stores.sessions,
    inbox: stores.inbox,
    approvals: stores.approvals,
    config: () => ({
      model: "scripted/m",
      providers: { scripted: { api: "openai-completions", baseUrl: "http://127.0.0.1:1/v1" } },
      memory: { enabled: false },
    }),
    defaultWorkspace: workspace,
    stream: model.fn,
    exec,
  });
  const store = new SchedulerStore(s.db, s.time.now);
  const scheduler = new Scheduler({
    store,
    submit: (i) => manager.submit(i),
    lookup: (k) => stores.inbox.byKey(k),
    defaultWorkspace: workspace,
    now: s.time.now,
    timers: s.time,
  });
  const created = scheduler.create(
    job({
      name: "watch",
      kind: "heartbeat",
      schedule: "*/5 * * * *",
      prompt: "Look at what changed and act on it.",
      checks: [
        { type: "file", path: "notes.md" },
        { type: "glob", pattern: "*.md", cwd: "inbox" },
      ],
    }),
  );
  /** Resolves when no message of the job is queued or running. */
  const settle = async () => {
    while (stores.inbox.open().length > 0) await new Promise((r) => setTimeout(r, 10));
  };
  const close = async () => {
    scheduler.stop();
    await manager.shutdown();
    store.close();
    stores.sessions.close();
    stores.inbox.close();
    stores.approvals.close();
  };
  return { ...s, workspace, model, manager, store, scheduler, created, settle, close };
}

test("heartbeat: when nothing it watches changed it makes no model call (zero tokens)", async () => {
  const h = heartbeatSetup();
  h.scheduler.start();
  h.time.advance(5 * MIN); // first check: no earlier state, so it runs once
  await h.settle();
  const baseline = h.model.calls.length;
  assert.equal(baseline, 1);
  h.time.advance(30 * MIN); // six more slots, nothing touched
  await h.settle();
  assert.equal(h.model.calls.length - baseline, 0, "no model call while unchanged");
  const history = h.store.runs(h.created.id, 20).reverse();
  assert.deepEqual(
    history.map((r) => r.outcome),
    ["submitted", ...Array(6).fill("skipped-unchanged")],
  );
  assert.equal(history.filter((r) => r.messageId !== null).length, 1);
  await h.close();
});

test("heartbeat: a changed file makes exactly one model call whose prompt names it", async () => {
  const h = heartbeatSetup();
  h.scheduler.start();
  h.time.advance(5 * MIN);
  await h.settle();
  const before = h.model.calls.length;
  writeFileSync(path.join(h.workspace, "notes.md"), "second\n");
  writeFileSync(path.join(h.workspace, "inbox", "new-task.md"), "do it\n");
  h.time.advance(5 * MIN);
  await h.settle();
  h.time.advance(5 * MIN); // unchanged again
  await h.settle();
  assert.equal(h.model.calls.length - before, 1);
  const prompt = JSON.stringify(h.model.calls.at(-1)?.messages.at(-1));
  assert.match(prompt, /Look at what changed and act on it/);
  assert.match(prompt, /file notes\.md: content changed/);
  assert.match(prompt, /glob \*\.md in inbox: added new-task\.md/);
  const outcomes = h.store
    .runs(h.created.id, 10)
    .reverse()
    .map((r) => r.outcome);
  assert.deepEqual(outcomes, ["submitted", "submitted", "skipped-unchanged"]);
  await h.close();
});
