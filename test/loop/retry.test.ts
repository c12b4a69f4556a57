import assert from "node:assert/strict";
import { test } from "node:test";
import { withRetries } from "../../src/models/retry.js";
import type { AssistantMessage, ModelEvent, ModelSpec } from "../../src/models/types.js";
import { scriptedStream, type Turn, testModel } from "../support/scripted-stream.js";

const policy = { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 5000 };
const ctx = { systemPrompt: "", messages: [], tools: [] };

async function collect(turns: Turn[], fallbacks: ModelSpec[] = [], signal?: AbortSignal) {
  const s = scriptedStream(turns);
  const sleeps: number[] = [];
  const fn = withRetries(
    s.fn,
    policy,
    fallbacks,
    async (ms, sig) => {
      sleeps.push(ms);
      return !sig?.aborted;
    },
    () => 0.5,
  );
  const events: ModelEvent[] = [];
  for await (const ev of fn(testModel, ctx, signal ? { signal } : {})) events.push(ev);
  const done = events.at(-1) as { type: "done"; message: AssistantMessage };
  return { events, sleeps, final: done.message, calls: s.calls.length };
}

test("retries retryable errors with exponential backoff, then succeeds", async () => {
  const r = await collect([
    { error: "HTTP 503", retryable: true },
    { error: "HTTP 502", retryable: true },
    { text: "ok" },
  ]);
  assert.equal(r.final.stopReason, "stop");
  assert.deepEqual(r.sleeps, [100, 200]);
  assert.deepEqual(
    r.events.filter((e) => e.type === "retry").map((e) => (e as { attempt: number }).attempt),
    [1, 2],
  );
});

test("honours retry-after from the server", async () => {
  const r = await collect([{ error: "HTTP 429", retryable: true, retryAfterMs: 1234 }, { text: "ok" }]);
  assert.deepEqual(r.sleeps, [1234]);
  assert.equal(r.final.stopReason, "stop");
});

test("non-retryable errors are not retried; fallback models are tried in order", async () => {
  const fb: ModelSpec = { ...testModel, id: "backup" };
  const r = await collect([{ error: "HTTP 400", retryable: false }, { text: "from backup" }], [fb]);
  assert.equal(r.calls, 2);
  assert.equal(r.sleeps.length, 0);
  assert.equal(r.final.model, "test/backup");
  const notice = r.events.find((e) => e.type === "retry") as { model: string; attempt: number };
  assert.equal(notice.model, "test/backup");
  assert.equal(notice.attempt, 0);
});

test("gives up after max retries on every model with an error naming them", async () => {
  const fb: ModelSpec = { ...testModel, id: "backup" };
  const r = await collect(
    Array.from({ length: 6 }, () => ({ error: "HTTP 500", retryable: true })),
    [fb],
  );
  assert.equal(r.final.stopReason, "error");
  assert.equal(r.calls, 6);
  assert.match(r.final.errorMessage ?? "", /HTTP 500 \(tried test\/scripted, test\/backup\)/);
});

test("a retry-after longer than the maximum delay is not waited for", async () => {
  const r = await collect([
    { error: "HTTP 429", retryable: true, retryAfterMs: 3_600_000 },
    { text: "never" },
  ]);
  assert.equal(r.final.stopReason, "error");
  assert.equal(r.sleeps.length, 0);
});

test("abort while waiting ends as aborted", async () => {
  const c = new AbortController();
  c.abort();
  const r = await collect([{ error: "HTTP 503", retryable: true }, { text: "never" }], [], c.signal);
  assert.equal(r.final.stopReason, "aborted");
});
