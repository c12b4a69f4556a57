// The Redis path against the real server at 127.0.0.1:6379: `ratchet env worker` processes run
// the attempts that `runSuite` enqueues, results have the local shape, and the attempt of a worker
// killed mid-run is picked up again by another worker once its lock lapses (BullMQ stalled jobs).
// Each test uses its own queue name and removes the queue afterwards.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { Queue, QueueEvents } from "bullmq";
import { connectionFrom, queueExecutor } from "../../src/env/queue.js";
import { runSuite } from "../../src/env/runner.js";
import { sandbox, spawnRatchet } from "../support/cli.js";
import { GOOD_TASK, writeTree } from "./support.js";

const REDIS = "redis://127.0.0.1:6379";
const workers: ChildProcess[] = [];
const queues: string[] = [];

after(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
  for (const name of queues) {
    const q = new Queue(name, { connection: connectionFrom(REDIS) });
    await q.obliterate({ force: true });
    await q.close();
  }
});

function newQueue(): string {
  const name = `ratchet-env-test-${randomUUID().slice(0, 8)}`;
  queues.push(name);
  return name;
}

/** Starts `ratchet env worker` and waits until it listens. */
async function startWorker(queue: string, home: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawnRatchet(
    ["env", "worker", "--redis", REDIS, "--queue", queue, "--lock-ms", "1500"],
    home,
  );
  workers.push(child);
  let err = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on("data", (d) => {
      err += d;
      if (err.includes("waiting for attempts")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`worker exited ${code}: ${err}`)));
  });
  return child;
}

/** Every key path of a JSON value (array items merged), to compare result shapes. */
function shape(v: unknown, prefix = ""): string[] {
  if (Array.isArray(v)) return [...new Set(v.flatMap((x) => shape(x, `${prefix}[]`)))].sort();
  if (v && typeof v === "object")
    return Object.entries(v)
      .flatMap(([k, x]) => [`${prefix}.${k}`, ...shape(x, `${prefix}.${k}`)])
      .sort();
  return [];
}

test("attempts run on queue workers and come back in the same shape as local runs", async () => {
  const queue = newQueue();
  const sb = sandbox();
  const w = await startWorker(queue, sb.env);
  const suite = writeTree({});
  writeTree(GOOD_TASK, path.join(suite, "good"));
  writeTree(
    { ...GOOD_TASK, "solution/solve.sh": "#!/bin/bash\necho 41 > answer.txt\n" },
    path.join(suite, "wrong"),
  );
  const base = { path: suite, agent: "oracle" as const, home: sb.home, attempts: 2, concurrency: 2 };
  const remote = await runSuite({ ...base, executor: queueExecutor({ redis: REDIS, queue }) });
  const local = await runSuite(base);
  assert.deepEqual(
    remote.results.map((r) => [r.task, r.attempt, r.status]),
    local.results.map((r) => [r.task, r.attempt, r.status]),
  );
  assert.deepEqual(shape(remote.results), shape(local.results));
  assert.deepEqual(remote.oracleProblems, local.oracleProblems);
  assert.equal(remote.oracleProblems?.[0]?.task, "wrong");
  w.kill("SIGTERM");
  await once(w, "exit");
});

test("a worker killed mid-attempt: the attempt is retried on another worker and passes", async () => {
  const queue = newQueue();
  const sb = sandbox();
  const suite = writeTree({});
  const slow = "#!/bin/bash\nsleep 4\necho 42 > answer.txt\n";
  writeTree({ ...GOOD_TASK, "solution/solve.sh": slow }, path.join(suite, "slow"));
  const events = new QueueEvents(queue, { connection: connectionFrom(REDIS) });
  await events.waitUntilReady();
  const stalled: string[] = [];
  events.on("stalled", ({ jobId }) => stalled.push(jobId));
  const first = await startWorker(queue, sb.env);
  const out = mkdtempSync(path.join(os.tmpdir(), "ratchet-env-out-"));
  const running = runSuite({
    path: suite,
    agent: "oracle",
    home: sb.home,
    attempts: 1,
    concurrency: 1,
    out,
    executor: queueExecutor({ redis: REDIS, queue }),
  });
  // Kill the first worker once it holds the slow attempt (not the quick no-change check).
  const q = new Queue(queue, { connection: connectionFrom(REDIS) });
  for (;;) {
    const active = await q.getActive();
    if (active.some((j) => j.data.attempt === 1)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  first.kill("SIGKILL");
  await once(first, "exit");
  const second = await startWorker(queue, sb.env);
  const report = await running;
  assert.equal(report.results.length, 1);
  assert.equal(report.results[0].status, "passed", JSON.stringify(report.results[0]));
  assert.deepEqual(report.oracleProblems, []);
  assert.equal(stalled.length, 1, "the killed worker's attempt was detected as stalled once");
  second.kill("SIGTERM");
  await once(second, "exit");
  await events.close();
  await q.close();
});
