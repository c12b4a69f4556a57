// The scheduler: fires cron jobs and heartbeats at their slots by submitting their prompt to the
// run manager like any channel. Clock and timers are injected so tests drive time. On start (and
// on every wake-up) each job's due slots are handled: one slot that is on time runs; slots missed
// while the daemon was down are caught up or skipped by the job's policy, and the history says
// which. Each submission carries the idempotency key `cron:<jobId>:<slotISO>`, so a crash between
// submit and history write never runs a slot twice. Heartbeats run their cheap checks first and
// make no model call when nothing they watch changed.
import { statSync } from "node:fs";
import path from "node:path";
import { Cron } from "croner";
import { describeError, userError } from "../util/errors.js";
import { describeChanges, type Fingerprints, fingerprint } from "./heartbeat.js";
import type { InboxMessage } from "./inbox.js";
import type { SubmitInput } from "./run-manager.js";
import type {
  CronJob,
  CronRun,
  HeartbeatCheck,
  JobPatch,
  NewJob,
  RunOutcome,
  RunRecord,
  SchedulerStore,
} from "./scheduler-store.js";

/** Policy "all" catches up at most this many missed slots; older ones are recorded as skipped. */
export const MAX_CATCH_UP = 20;
/** A slot this late (or less) when handled counts as on time, not missed (timers fire late under load). */
export const ON_TIME_GRACE_MS = 60_000;
/** Longest single timer: setTimeout overflows past 2^31-1 ms, so longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Older missed slots are counted up to this many (the history row then says "at least"). */
const COUNT_LIMIT = 10_000;

/** Timer functions (tests pass fakes). */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** What the scheduler uses. */
export interface SchedulerDeps {
  store: SchedulerStore;
  /** Stores and schedules a message (RunManager.submit). */
  submit(input: SubmitInput): { message: InboxMessage; duplicate: boolean };
  /** The inbox message holding an idempotency key, if any (to notice a slot submitted before a crash). */
  lookup(idempotencyKey: string): InboxMessage | undefined;
  /** Workspace of jobs that name none (heartbeat paths resolve against it). */
  defaultWorkspace: string;
  now?: () => number;
  timers?: Timers;
  log?: (line: string) => void;
}

/** A job as the API shows it. */
export interface JobView {
  id: string;
  name: string;
  kind: CronJob["kind"];
  schedule: string;
  timezone: string;
  prompt: string;
  catchUp: CronJob["catchUp"];
  enabled: boolean;
  sessionId: string | null;
  workspace: string | null;
  checks: HeartbeatCheck[];
  createdAt: string;
  nextRunAt: string | null;
  lastRun?: RunView;
}

/** A history row as the API shows it (times as ISO strings). */
export interface RunView {
  id: number;
  jobId: string;
  scheduledFor: string;
  startedAt: string;
  outcome: RunOutcome;
  messageId: string | null;
  detail: string | null;
}

const defaultTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Throws a user error saying how to fix a bad cron expression or time zone. */
export function checkSchedule(schedule: string, timezone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw userError(
      "cron_timezone_invalid",
      `\`timezone\` "${timezone}" is not a known IANA time zone. Use a name such as "Europe/Berlin", "America/New_York" or "UTC".`,
    );
  }
  const fields = schedule.trim().split(/\s+/);
  const hint =
    'Use five fields "minute hour day-of-month month day-of-week", e.g. "0 9 * * 1-5" (09:00 on weekdays) or "*/15 * * * *" (every 15 minutes), or @hourly/@daily/@weekly.';
  if (!schedule.trim().startsWith("@") && fields.length !== 5)
    throw userError(
      "cron_schedule_invalid",
      `\`schedule\` "${schedule}" has ${fields.length} field(s). ${hint}`,
    );
  let cron: Cron;
  try {
    cron = new Cron(schedule, { timezone });
  } catch (err) {
    throw userError(
      "cron_schedule_invalid",
      `\`schedule\` "${schedule}" is not a valid cron expression (${describeError(err)}). ${hint}`,
    );
  }
  if (!cron.nextRun())
    throw userError(
      "cron_schedule_invalid",
      `\`schedule\` "${schedule}" never fires (no such date). ${hint}`,
    );
}

/** Fires jobs at their slots. */
export class Scheduler {
  private now: () => number;
  private timers: Timers;
  private timer: unknown;
  private started = false;
  private crons = new Map<string, { key: string; cron: Cron }>();

  constructor(private deps: SchedulerDeps) {
    this.now = deps.now ?? Date.now;
    this.timers = deps.timers ?? defaultTimers;
  }

  /** Handles every due slot (catch-up after downtime), then arms the timer. */
  start(): void {
    this.started = true;
    this.tick();
  }

  /** Disarms the timer; nothing fires after this returns. */
  stop(): void {
    this.started = false;
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  /** Handles the due slots of every enabled job, then re-arms. Public so tests can drive it. */
  tick(): void {
    for (const job of this.deps.store.list()) {
      if (!job.enabled) continue;
      try {
        this.handleDue(job);
      } catch (err) {
        this.deps.log?.(`cron ${job.id}: ${describeError(err)}`);
      }
    }
    this.arm();
  }

  // ---- management (the API calls these; each re-arms the timer) ----

  /** Validates and stores a new job. */
  create(j: NewJob): JobView {
    checkSchedule(j.schedule, j.timezone);
    checkJob(j.kind, j.checks);
    this.checkWorkspace(j.workspace);
    const job = this.deps.store.create(j);
    this.arm();
    return this.view(job);
  }

  /** Edits a job; throws cron_job_not_found. */
  update(id: string, p: JobPatch): JobView {
    const old = this.get(id);
    checkSchedule(p.schedule ?? old.schedule, p.timezone ?? old.timezone);
    checkJob(old.kind, p.checks ?? old.checks);
    if (p.workspace) this.checkWorkspace(p.workspace);
    const job = this.deps.store.update(id, p) as CronJob;
    this.arm();
    return this.view(job);
  }

  /** Deletes a job and its history; throws cron_job_not_found. */
  delete(id: string): void {
    this.get(id);
    this.deps.store.delete(id);
    this.crons.delete(id);
    this.arm();
  }

  /** Every job, with its next slot and last run. */
  list(): JobView[] {
    return this.deps.store.list().map((j) => this.view(j));
  }

  /** A job's history, newest first; throws cron_job_not_found. */
  runs(id: string, limit: number): RunView[] {
    this.get(id);
    return this.deps.store.runs(id, limit).map(runView);
  }

  /**
   * Runs a job now, outside its schedule (its slots are untouched). A heartbeat still runs its
   * checks so the prompt says what changed, but is submitted even when nothing did.
   */
  runNow(id: string): RunView {
    const job = this.get(id);
    const at = this.now();
    this.fire(job, at, "submitted", { manual: true });
    return runView(this.deps.store.runs(id, 1)[0] as CronRun);
  }

  /** A job or a not-found user error. */
  get(id: string): CronJob {
    const job = this.deps.store.get(id);
    if (!job) throw userError("cron_job_not_found", `No cron job "${id}". List them with GET /api/cron.`);
    return job;
  }

  private checkWorkspace(workspace: string | null): void {
    if (!workspace) return;
    const dir = path.resolve(this.deps.defaultWorkspace, workspace);
    let ok = false;
    try {
      ok = statSync(dir).isDirectory();
    } catch {
      // missing
    }
    if (!ok)
      throw userError(
        "cron_workspace_missing",
        `\`workspace\` ${dir} is not a folder. Create it or name another.`,
      );
  }

  // ---- slots ----

  private cronOf(job: CronJob): Cron {
    const key = `${job.schedule}\n${job.timezone}`;
    const hit = this.crons.get(job.id);
    if (hit?.key === key) return hit.cron;
    const cron = new Cron(job.schedule, { timezone: job.timezone });
    this.crons.set(job.id, { key, cron });
    return cron;
  }

  /** The job's next slot after now (and after its last handled slot). */
  private nextSlot(job: CronJob): number | null {
    const from = Math.max(this.now(), job.lastScheduledAt);
    return this.cronOf(job).nextRun(new Date(from))?.getTime() ?? null;
  }

  /** Handles slots in (lastScheduledAt, now]: the on-time one runs, missed ones by policy. */
  private handleDue(job: CronJob): void {
    const now = this.now();
    const cron = this.cronOf(job);
    // The most recent due slots, oldest first; a slot exactly at `now` is due.
    const recent = cron
      .previousRuns(MAX_CATCH_UP + 1, new Date(now + 1))
      .map((d) => d.getTime())
      .filter((t) => t > job.lastScheduledAt && t <= now)
      .reverse();
    if (recent.length === 0) return;
    const latest = recent.at(-1) as number;
    const onTime = now - latest <= ON_TIME_GRACE_MS;
    const missed = onTime ? recent.slice(0, -1) : recent;
    // Slots missed before the most recent MAX_CATCH_UP + 1 (long downtime): one summary row.
    if (recent.length === MAX_CATCH_UP + 1) {
      const first = recent[0] as number;
      const older = this.countBetween(cron, job.lastScheduledAt, first);
      if (older > 0) {
        const start = cron.nextRun(new Date(job.lastScheduledAt))?.getTime() ?? first;
        this.deps.store.record(
          job.id,
          [
            {
              scheduledFor: start,
              outcome: "skipped-missed",
              messageId: null,
              detail: `${older >= COUNT_LIMIT ? "at least " : ""}${older} slot(s) from ${iso(start)} were missed while the daemon was down (older than the ${MAX_CATCH_UP + 1} most recent; never caught up)`,
            },
          ],
          { advanceTo: first - 1 },
        );
      }
    }
    const runs = new Set<number>();
    if (job.catchUp === "all") for (const t of missed.slice(-MAX_CATCH_UP)) runs.add(t);
    else if (job.catchUp === "latest" && !onTime && missed.length > 0) runs.add(missed.at(-1) as number);
    for (const t of missed) {
      const fresh = this.deps.store.get(job.id);
      if (!fresh?.enabled) return;
      if (runs.has(t)) this.fire(fresh, t, "caught-up");
      else
        this.deps.store.record(
          job.id,
          [
            {
              scheduledFor: t,
              outcome: "skipped-missed",
              messageId: null,
              detail: skipReason(job, missed.length),
            },
          ],
          { advanceTo: t },
        );
    }
    const fresh = this.deps.store.get(job.id);
    if (onTime && fresh?.enabled) this.fire(fresh, latest, "submitted");
  }

  /** Number of slots in (from, until), up to COUNT_LIMIT. */
  private countBetween(cron: Cron, from: number, until: number): number {
    let n = 0;
    let t = cron.nextRun(new Date(from));
    while (t && t.getTime() < until && n < COUNT_LIMIT) {
      n++;
      t = cron.nextRun(t);
    }
    return n;
  }

  /**
   * Handles one slot: a heartbeat checks first; then the prompt is submitted under the slot's
   * idempotency key and the history row (with lastScheduledAt) is written in one transaction.
   */
  private fire(job: CronJob, slot: number, outcome: RunOutcome, o: { manual?: boolean } = {}): void {
    const key = o.manual ? `cron:${job.id}:manual:${iso(slot)}` : `cron:${job.id}:${iso(slot)}`;
    const advance = o.manual ? {} : { advanceTo: slot };
    const row = (out: RunOutcome, messageId: string | null, detail: string | null): RunRecord => ({
      scheduledFor: slot,
      outcome: out,
      messageId,
      detail,
    });
    const earlier = this.deps.lookup(key);
    if (earlier) {
      // Submitted before a crash that came before the history write: record it, never send twice.
      this.deps.store.record(
        job.id,
        [row(outcome, earlier.id, "submitted before a restart; recorded now, not sent again")],
        { ...advance, sessionId: earlier.sessionId },
      );
      return;
    }
    const workspace = path.resolve(this.deps.defaultWorkspace, job.workspace ?? ".");
    let text = job.prompt;
    let checkState: Fingerprints | undefined;
    let detail: string | null = o.manual ? "run now" : null;
    if (job.kind === "heartbeat") {
      try {
        checkState = fingerprint(job.checks, workspace);
      } catch (err) {
        this.deps.store.record(
          job.id,
          [row("failed", null, `checks failed: ${describeError(err)}`)],
          advance,
        );
        return;
      }
      const before = job.checkState as Fingerprints | null;
      const changes = describeChanges(job.checks, before, checkState);
      if (changes.length === 0 && !o.manual) {
        this.deps.store.record(
          job.id,
          [row("skipped-unchanged", null, `nothing changed in ${job.checks.length} check(s); no model call`)],
          advance,
        );
        return;
      }
      const summary = changes.length > 0 ? changes.join("\n- ") : "nothing changed since the last check";
      text = `${job.prompt}\n\n[heartbeat ${job.name}] What changed since the last check:\n- ${summary}`;
      detail = `${o.manual ? "run now; " : ""}changed: ${changes.length > 0 ? changes.join("; ") : "nothing"}`;
    }
    let message: InboxMessage;
    try {
      message = this.deps.submit({
        text,
        ...(job.sessionId ? { sessionId: job.sessionId } : {}),
        workspace,
        idempotencyKey: key,
      }).message;
    } catch (err) {
      this.deps.store.record(job.id, [row("failed", null, describeError(err))], advance);
      return;
    }
    this.deps.store.record(job.id, [row(outcome, message.id, detail)], {
      ...advance,
      sessionId: message.sessionId,
      ...(checkState ? { checkState } : {}),
    });
  }

  /** Arms one timer for the earliest next slot of any enabled job. */
  private arm(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    if (!this.started) return;
    let next: number | null = null;
    for (const job of this.deps.store.list()) {
      if (!job.enabled) continue;
      let t: number | null = null;
      try {
        t = this.nextSlot(job);
      } catch (err) {
        this.deps.log?.(`cron ${job.id}: ${describeError(err)}`);
      }
      if (t !== null && (next === null || t < next)) next = t;
    }
    if (next === null) return;
    const wait = Math.min(Math.max(next - this.now(), 0), MAX_TIMER_MS);
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      if (this.started) this.tick();
    }, wait);
  }

  private view(job: CronJob): JobView {
    const last = this.deps.store.runs(job.id, 1)[0];
    const next = job.enabled ? this.nextSlot(job) : null;
    return {
      id: job.id,
      name: job.name,
      kind: job.kind,
      schedule: job.schedule,
      timezone: job.timezone,
      prompt: job.prompt,
      catchUp: job.catchUp,
      enabled: job.enabled,
      sessionId: job.sessionId,
      workspace: job.workspace,
      checks: job.checks,
      createdAt: iso(job.createdAt),
      nextRunAt: next === null ? null : iso(next),
      ...(last ? { lastRun: runView(last) } : {}),
    };
  }
}

/** Heartbeats need at least one check; plain cron jobs take none (the route checks the shapes). */
function checkJob(kind: CronJob["kind"], checks: HeartbeatCheck[]): void {
  if (kind === "heartbeat" && checks.length === 0)
    throw userError(
      "cron_checks_missing",
      'A heartbeat needs `checks`, e.g. [{"type":"file","path":"TODO.md"}] or [{"type":"glob","pattern":"inbox/*.md"}]; without them use kind "cron".',
    );
  if (kind === "cron" && checks.length > 0)
    throw userError(
      "cron_checks_unused",
      '`checks` only apply to heartbeats: create the job with "kind": "heartbeat", or leave `checks` out.',
    );
}

function skipReason(job: CronJob, missed: number): string {
  if (job.catchUp === "skip") return "missed while the daemon was down (catch-up policy: skip)";
  if (job.catchUp === "latest")
    return "missed while the daemon was down; only the latest missed slot runs (policy: latest)";
  return `missed while the daemon was down; over the catch-up limit of ${MAX_CATCH_UP} (${missed} missed)`;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

function runView(r: CronRun): RunView {
  return {
    id: r.id,
    jobId: r.jobId,
    scheduledFor: iso(r.scheduledFor),
    startedAt: iso(r.startedAt),
    outcome: r.outcome,
    messageId: r.messageId,
    detail: r.detail,
  };
}
