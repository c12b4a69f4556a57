// Scale-out through Redis with BullMQ: `ratchet env run --redis` enqueues one job per attempt
// and collects the outcomes as they finish; `ratchet env worker` processes jobs with runJob, the
// same function the local runner calls, so results have the same shape. A worker that dies
// mid-attempt stops renewing its job lock; BullMQ's stalled-job check then hands the attempt to
// another worker (once: a job that stalls twice fails). Task folders must be at the same path on
// every worker (a shared filesystem or the same checkout).
import { randomUUID } from "node:crypto";
import { type ConnectionOptions, Queue, QueueEvents, Worker } from "bullmq";
import type { AttemptResult } from "./attempt.js";
import { type AttemptJob, type AttemptOutcome, type Executor, runJob } from "./runner.js";
import { TrajectoryRecorder } from "./trajectory.js";

/** Default job lock: a worker silent for this long loses its attempt to another worker. */
export const DEFAULT_LOCK_MS = 30_000;

/** Redis connection options from a redis:// URL. */
export function connectionFrom(url: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--redis ${url} is not a URL. Fix: e.g. --redis redis://127.0.0.1:6379`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:")
    throw new Error(`--redis ${url}: use a redis:// or rediss:// URL`);
  const db = u.pathname.replace(/^\//, "");
  return {
    host: u.hostname || "127.0.0.1",
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === "rediss:" ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** An executor that runs the jobs on queue workers; `concurrency` is the workers' business. */
export function queueExecutor(o: { redis: string; queue: string }): Executor {
  return async function* (jobs) {
    const connection = connectionFrom(o.redis);
    const queue = new Queue(o.queue, { connection });
    const events = new QueueEvents(o.queue, { connection });
    try {
      await events.waitUntilReady();
      const batch = randomUUID().slice(0, 8);
      const added = await queue.addBulk(
        jobs.map((data) => ({
          name: "attempt",
          data,
          opts: {
            jobId: `${batch}-${data.options.agent}-${data.taskDir.replace(/[^A-Za-z0-9_-]/g, "_")}-${data.attempt}`,
            removeOnComplete: true,
            removeOnFail: true,
          },
        })),
      );
      const pending = new Map(
        added.map((job, i) => [
          i,
          job
            .waitUntilFinished(events)
            .then((out: AttemptOutcome) => ({ i, out }))
            .catch((err: Error) => ({ i, out: failedOutcome(jobs[i], err) })),
        ]),
      );
      while (pending.size > 0) {
        const { i, out } = await Promise.race(pending.values());
        pending.delete(i);
        yield out;
      }
    } finally {
      await events.close();
      await queue.close();
    }
  };
}

/** The outcome reported for a job that failed on the worker (it threw, or stalled twice). */
function failedOutcome(job: AttemptJob, err: Error): AttemptOutcome {
  const task = job.taskDir.split("/").pop() ?? job.taskDir;
  const result: AttemptResult = {
    task,
    attempt: job.attempt,
    agent: job.options.agent,
    status: "error",
    reward: null,
    error: `the worker failed: ${err.message}`,
    exitReason: "error",
    sessionId: "",
    steps: 0,
    usage: { input: 0, output: 0, cached: 0, cost: 0 },
    timings: { setupMs: 0, agentMs: 0, verifierMs: 0, totalMs: 0 },
    verifierOutput: "",
    notes: [],
  };
  const rec = new TrajectoryRecorder({
    sessionId: "",
    task,
    attempt: job.attempt,
    agent: { name: "ratchet", version: "0.1.0" },
  });
  return { result, trajectory: rec.finish({ exitReason: "error" }) };
}

/** Starts a worker; close() waits for its running attempts. */
export async function startWorker(o: {
  redis: string;
  queue: string;
  concurrency?: number;
  lockMs?: number;
}): Promise<Worker<AttemptJob, AttemptOutcome>> {
  const lockMs = o.lockMs ?? DEFAULT_LOCK_MS;
  const worker = new Worker<AttemptJob, AttemptOutcome>(o.queue, (job) => runJob(job.data), {
    connection: connectionFrom(o.redis),
    concurrency: o.concurrency ?? 1,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: 1,
  });
  await worker.waitUntilReady();
  return worker;
}
