// The scheduler's SQLite store: jobs survive a reopen, a slot is recorded once (lastScheduledAt
// guards it), edits that change the schedule restart the job's clock, and delete removes history.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { type NewJob, SchedulerStore } from "../../src/gateway/scheduler-store.js";

function job(over: Partial<NewJob> = {}): NewJob {
  return {
    name: "watch",
    kind: "heartbeat",
    schedule: "*/5 * * * *",
    timezone: "Europe/Berlin",
    prompt: "check",
    workspace: null,
    catchUp: "all",
    checks: [{ type: "file", path: "a.md" }],
    enabled: true,
    ...over,
  };
}

function open(now: { t: number }) {
  const db = path.join(mkdtempSync(path.join(os.tmpdir(), "ratchet-cron-store-")), "ratchet.db");
  return { db, store: new SchedulerStore(db, () => now.t) };
}

test("jobs round-trip through a reopen with every field", () => {
  const now = { t: 1_000 };
  const { db, store } = open(now);
  const created = store.create(job());
  store.close();
  const again = new SchedulerStore(db, () => now.t);
  assert.deepEqual(again.get(created.id), {
    ...job(),
    id: created.id,
    sessionId: null,
    createdAt: 1_000,
    lastScheduledAt: 1_000,
    checkState: null,
  });
  assert.deepEqual(
    again.list().map((j) => j.id),
    [created.id],
  );
  again.close();
});

test("record: a slot is written once; state and session are saved with it", () => {
  const now = { t: 1_000 };
  const { store } = open(now);
  const { id } = store.create(job());
  const row = { scheduledFor: 5_000, outcome: "submitted" as const, messageId: "msg_1", detail: null };
  assert.equal(
    store.record(id, [row], { advanceTo: 5_000, checkState: { k: "v" }, sessionId: "ses_1" }),
    true,
  );
  assert.equal(store.record(id, [row], { advanceTo: 5_000 }), false, "same slot again: refused");
  assert.equal(store.record(id, [row], { advanceTo: 4_000 }), false, "an older slot: refused");
  const j = store.get(id);
  assert.equal(j?.lastScheduledAt, 5_000);
  assert.deepEqual(j?.checkState, { k: "v" });
  assert.equal(j?.sessionId, "ses_1");
  store.record(id, [], { sessionId: "ses_2" });
  assert.equal(store.get(id)?.sessionId, "ses_1", "a job keeps its first session");
  assert.equal(store.runs(id).length, 1);
  assert.equal(store.record("cron_nope", [row]), false);
  store.close();
});

test("update: a new schedule or re-enabling restarts the clock; new checks drop old fingerprints", () => {
  const now = { t: 1_000 };
  const { store } = open(now);
  const { id } = store.create(job());
  store.record(id, [], { advanceTo: 2_000, checkState: { k: "v" } });
  now.t = 10_000;
  assert.equal(store.update(id, { prompt: "p2" })?.lastScheduledAt, 2_000, "a prompt edit keeps the clock");
  assert.deepEqual(store.get(id)?.checkState, { k: "v" });
  assert.equal(store.update(id, { schedule: "0 * * * *" })?.lastScheduledAt, 10_000);
  store.update(id, { enabled: false });
  now.t = 20_000;
  assert.equal(store.update(id, { enabled: true })?.lastScheduledAt, 20_000);
  assert.equal(store.update(id, { checks: [{ type: "glob", pattern: "*.md" }] })?.checkState, null);
  assert.equal(store.update("cron_nope", { prompt: "x" }), undefined);
  store.close();
});

test("delete removes the job and its history", () => {
  const now = { t: 1_000 };
  const { store } = open(now);
  const { id } = store.create(job());
  const other = store.create(job({ name: "other" }));
  const row = { scheduledFor: 5_000, outcome: "skipped-missed" as const, messageId: null, detail: "x" };
  store.record(id, [row]);
  store.record(other.id, [row]);
  assert.equal(store.delete(id), true);
  assert.equal(store.delete(id), false);
  assert.equal(store.get(id), undefined);
  assert.equal(store.runs(id).length, 0);
  assert.equal(store.runs(other.id).length, 1);
  store.close();
});
