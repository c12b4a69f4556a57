// The scheduler's durable state: cron jobs and heartbeats (`cron_jobs`) and the history of every
// slot they handled (`cron_runs`). Lives in ratchet.db beside the inbox (own tables, own
// connection). A slot's history row and the job's `lastScheduledAt` move in one transaction, so
// after a crash a slot is either fully handled or still due, never half of each.
import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import { openStore } from "../util/sqlite.js";

/** A plain cron job submits its prompt; a heartbeat first runs cheap checks and may skip the model. */
export type JobKind = "cron" | "heartbeat";

/** What to do with slots missed while the daemon was down. */
export type CatchUpPolicy = "skip" | "latest" | "all";

/** How a slot ended. */
export type RunOutcome = "submitted" | "caught-up" | "skipped-missed" | "skipped-unchanged" | "failed";

/** A deterministic, cheap heartbeat check. Relative paths resolve against the job's workspace. */
export type HeartbeatCheck = { type: "file"; path: string } | { type: "glob"; pattern: string; cwd?: string };

/** One job as stored. Times are epoch milliseconds. */
export interface CronJob {
  id: string;
  name: string;
  kind: JobKind;
  schedule: string;
  timezone: string;
  prompt: string;
  /** The session runs go to; null until the first run creates the job's own session. */
  sessionId: string | null;
  /** Workspace of the runs; null means the daemon's default. */
  workspace: string | null;
  catchUp: CatchUpPolicy;
  checks: HeartbeatCheck[];
  enabled: boolean;
  createdAt: number;
  /** The last slot handled (run, skipped or failed); slots after it and up to now are due. */
  lastScheduledAt: number;
  /** Last fingerprints of a heartbeat's checks, by check key. */
  checkState: Record<string, unknown> | null;
}

/** One history row. `scheduledFor` is the slot (for a "run now", the time it was asked). */
export interface CronRun {
  id: number;
  jobId: string;
  scheduledFor: number;
  startedAt: number;
  outcome: RunOutcome;
  messageId: string | null;
  detail: string | null;
}

/** Fields a new job needs (validated by the scheduler before they get here). */
export type NewJob = Omit<CronJob, "id" | "createdAt" | "lastScheduledAt" | "checkState" | "sessionId"> & {
  sessionId?: string | null;
};

/** Editable fields. */
export type JobPatch = Partial<
  Pick<
    CronJob,
    "name" | "schedule" | "timezone" | "prompt" | "sessionId" | "workspace" | "catchUp" | "checks" | "enabled"
  >
>;

/** A history row to write, without the ids the store assigns. */
export type RunRecord = Omit<CronRun, "id" | "jobId" | "startedAt">;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cron_jobs (
  id TEXT PRIMARY KEY, name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('cron', 'heartbeat')),
  schedule TEXT NOT NULL, timezone TEXT NOT NULL, prompt TEXT NOT NULL, session_id TEXT,
  workspace TEXT, catch_up TEXT NOT NULL CHECK (catch_up IN ('skip', 'latest', 'all')),
  checks TEXT NOT NULL, enabled INTEGER NOT NULL, created_at INTEGER NOT NULL,
  last_scheduled_at INTEGER NOT NULL, check_state TEXT
);
CREATE TABLE IF NOT EXISTS cron_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, scheduled_for INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('submitted', 'caught-up', 'skipped-missed', 'skipped-unchanged', 'failed')),
  message_id TEXT, detail TEXT
);
CREATE INDEX IF NOT EXISTS cron_runs_job ON cron_runs(job_id, id);
`;

interface JobRow {
  id: string;
  name: string;
  kind: JobKind;
  schedule: string;
  timezone: string;
  prompt: string;
  session_id: string | null;
  workspace: string | null;
  catch_up: CatchUpPolicy;
  checks: string;
  enabled: number;
  created_at: number;
  last_scheduled_at: number;
  check_state: string | null;
}

interface RunRow {
  id: number;
  job_id: string;
  scheduled_for: number;
  started_at: number;
  outcome: RunOutcome;
  message_id: string | null;
  detail: string | null;
}

/** SQLite-backed jobs and history. */
export class SchedulerStore {
  private db: Database.Database;

  constructor(
    file: string,
    private now: () => number = Date.now,
  ) {
    this.db = openStore(file, SCHEMA, "NORMAL");
  }

  /** Stores a job; slots before its creation are never due. */
  create(j: NewJob): CronJob {
    const id = `cron_${randomBytes(6).toString("hex")}`;
    const at = this.now();
    this.db
      .prepare(
        `INSERT INTO cron_jobs (id, name, kind, schedule, timezone, prompt, session_id, workspace, catch_up,
          checks, enabled, created_at, last_scheduled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        j.name,
        j.kind,
        j.schedule,
        j.timezone,
        j.prompt,
        j.sessionId ?? null,
        j.workspace,
        j.catchUp,
        JSON.stringify(j.checks),
        j.enabled ? 1 : 0,
        at,
        at,
      );
    return this.get(id) as CronJob;
  }

  get(id: string): CronJob | undefined {
    const row = this.db.prepare("SELECT * FROM cron_jobs WHERE id = ?").get(id) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  /** All jobs, oldest first. */
  list(): CronJob[] {
    return (this.db.prepare("SELECT * FROM cron_jobs ORDER BY created_at, id").all() as JobRow[]).map(toJob);
  }

  /**
   * Edits a job. A new schedule or time zone, or turning a job back on, restarts its clock at now:
   * slots of the old schedule, or from while it was off, are not "missed".
   */
  update(id: string, p: JobPatch): CronJob | undefined {
    const tx = this.db.transaction(() => {
      const old = this.get(id);
      if (!old) return undefined;
      const next = { ...old, ...p };
      const restart =
        next.schedule !== old.schedule || next.timezone !== old.timezone || (next.enabled && !old.enabled);
      this.db
        .prepare(
          `UPDATE cron_jobs SET name = ?, schedule = ?, timezone = ?, prompt = ?, session_id = ?, workspace = ?,
            catch_up = ?, checks = ?, enabled = ?, last_scheduled_at = ?, check_state = ? WHERE id = ?`,
        )
        .run(
          next.name,
          next.schedule,
          next.timezone,
          next.prompt,
          next.sessionId,
          next.workspace,
          next.catchUp,
          JSON.stringify(next.checks),
          next.enabled ? 1 : 0,
          restart ? Math.max(old.lastScheduledAt, this.now()) : old.lastScheduledAt,
          // Different checks: the old fingerprints compare nothing, start afresh.
          p.checks ? null : old.checkState && JSON.stringify(old.checkState),
          id,
        );
      return this.get(id);
    });
    return tx();
  }

  /** Deletes a job and its history; false if there was none. */
  delete(id: string): boolean {
    const tx = this.db.transaction(() => {
      this.db.prepare("DELETE FROM cron_runs WHERE job_id = ?").run(id);
      return this.db.prepare("DELETE FROM cron_jobs WHERE id = ?").run(id).changes > 0;
    });
    return tx();
  }

  /**
   * Records history rows for a job in one transaction. With `advanceTo`, the job's lastScheduledAt
   * moves there; if it is already at or past it (the slot was handled meanwhile) nothing is written
   * and false is returned. `checkState` and `sessionId` are saved with the rows when given.
   */
  record(
    jobId: string,
    rows: RunRecord[],
    o: { advanceTo?: number; checkState?: Record<string, unknown>; sessionId?: string } = {},
  ): boolean {
    const tx = this.db.transaction(() => {
      const job = this.get(jobId);
      if (!job) return false;
      if (o.advanceTo !== undefined) {
        if (job.lastScheduledAt >= o.advanceTo) return false;
        this.db.prepare("UPDATE cron_jobs SET last_scheduled_at = ? WHERE id = ?").run(o.advanceTo, jobId);
      }
      if (o.checkState)
        this.db
          .prepare("UPDATE cron_jobs SET check_state = ? WHERE id = ?")
          .run(JSON.stringify(o.checkState), jobId);
      if (o.sessionId && !job.sessionId)
        this.db.prepare("UPDATE cron_jobs SET session_id = ? WHERE id = ?").run(o.sessionId, jobId);
      const insert = this.db.prepare(
        "INSERT INTO cron_runs (job_id, scheduled_for, started_at, outcome, message_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
      );
      const at = this.now();
      for (const r of rows) insert.run(jobId, r.scheduledFor, at, r.outcome, r.messageId, r.detail);
      return true;
    });
    return tx();
  }

  /** A job's history, newest first. */
  runs(jobId: string, limit = 50): CronRun[] {
    return (
      this.db
        .prepare("SELECT * FROM cron_runs WHERE job_id = ? ORDER BY id DESC LIMIT ?")
        .all(jobId, limit) as RunRow[]
    ).map(toRun);
  }

  close(): void {
    this.db.close();
  }
}

function toJob(r: JobRow): CronJob {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    schedule: r.schedule,
    timezone: r.timezone,
    prompt: r.prompt,
    sessionId: r.session_id,
    workspace: r.workspace,
    catchUp: r.catch_up,
    checks: JSON.parse(r.checks) as HeartbeatCheck[],
    enabled: r.enabled === 1,
    createdAt: r.created_at,
    lastScheduledAt: r.last_scheduled_at,
    checkState: r.check_state ? (JSON.parse(r.check_state) as Record<string, unknown>) : null,
  };
}

function toRun(r: RunRow): CronRun {
  return {
    id: r.id,
    jobId: r.job_id,
    scheduledFor: r.scheduled_for,
    startedAt: r.started_at,
    outcome: r.outcome,
    messageId: r.message_id,
    detail: r.detail,
  };
}
