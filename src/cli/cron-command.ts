// `ratchet cron list|add|rm|runs|run`: manages the daemon's cron jobs and heartbeats over its HTTP
// API (the scheduler lives in the daemon, so these need one running: `ratchet daemon`).
import path from "node:path";
import type { JobView } from "../gateway/scheduler.js";
import { loadConfig, ratchetHome } from "../runtime/config.js";
import { userError } from "../util/errors.js";

/** Flags of `cron add`. */
export interface CronAddFlags {
  name?: string;
  tz?: string;
  catchUp?: string;
  workspace?: string;
  session?: string;
  watchFile?: string[];
  watchGlob?: string[];
  disabled?: boolean;
}

interface Run {
  id: number;
  scheduledFor: string;
  outcome: string;
  messageId: string | null;
  detail: string | null;
}

/** Calls the running daemon; its JSON errors become user errors carrying its message. */
async function call(method: string, route: string, body?: unknown): Promise<Record<string, unknown>> {
  const { probeDaemon } = await import("../gateway/client.js");
  const home = ratchetHome(process.env);
  const port = loadConfig(home).daemon?.port ?? 7878;
  const d = await probeDaemon(home, port, 2000);
  if (!d)
    throw userError(
      "daemon_not_running",
      `No daemon answers on 127.0.0.1:${port}. Cron jobs live in the daemon: start it with \`ratchet daemon\`.`,
    );
  const res = await fetch(`${d.url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${d.token}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) {
    const message = (json.error as { message?: string } | undefined)?.message ?? `HTTP ${res.status}`;
    throw userError("cron_request_failed", message);
  }
  return json;
}

const short = (iso: string | null | undefined) => (iso ? iso.replace("T", " ").slice(0, 16) : "-");

/** Lists jobs. */
export async function cronList(flags: { json?: boolean }): Promise<number> {
  const jobs = (await call("GET", "/api/cron")).jobs as JobView[];
  if (flags.json) process.stdout.write(`${JSON.stringify(jobs)}\n`);
  else if (jobs.length === 0)
    process.stdout.write('No cron jobs. Add one: ratchet cron add "0 9 * * *" "…"\n');
  else
    for (const j of jobs)
      process.stdout.write(
        `${j.id}  ${j.enabled ? "on " : "off"}  ${j.kind.padEnd(9)}  ${j.schedule} (${j.timezone})  next ${short(j.nextRunAt)}Z  last ${j.lastRun ? `${j.lastRun.outcome} ${short(j.lastRun.scheduledFor)}Z` : "-"}  ${j.name}\n`,
      );
  return 0;
}

/** Adds a job; watch flags make it a heartbeat. */
export async function cronAdd(schedule: string, prompt: string, flags: CronAddFlags): Promise<number> {
  const checks = [
    ...(flags.watchFile ?? []).map((p) => ({ type: "file", path: p })),
    ...(flags.watchGlob ?? []).map((pattern) => ({ type: "glob", pattern })),
  ];
  const body = {
    schedule,
    prompt,
    kind: checks.length > 0 ? "heartbeat" : "cron",
    ...(checks.length > 0 ? { checks } : {}),
    ...(flags.name ? { name: flags.name } : {}),
    ...(flags.tz ? { timezone: flags.tz } : {}),
    ...(flags.catchUp ? { catchUp: flags.catchUp } : {}),
    ...(flags.session ? { sessionId: flags.session } : {}),
    workspace: path.resolve(flags.workspace ?? process.cwd()),
    ...(flags.disabled ? { enabled: false } : {}),
  };
  const job = (await call("POST", "/api/cron", body)).job as JobView;
  process.stdout.write(`${job.id}  next run ${short(job.nextRunAt)}Z (${job.timezone}: ${job.schedule})\n`);
  return 0;
}

/** Deletes a job and its history. */
export async function cronRemove(id: string): Promise<number> {
  await call("DELETE", `/api/cron/${encodeURIComponent(id)}`);
  process.stdout.write(`Deleted ${id}.\n`);
  return 0;
}

/** Shows a job's history, newest first. */
export async function cronRuns(id: string, flags: { limit?: number; json?: boolean }): Promise<number> {
  const runs = (await call("GET", `/api/cron/${encodeURIComponent(id)}/runs?limit=${flags.limit ?? 20}`))
    .runs as Run[];
  if (flags.json) process.stdout.write(`${JSON.stringify(runs)}\n`);
  else if (runs.length === 0) process.stdout.write("No runs yet.\n");
  else
    for (const r of runs)
      process.stdout.write(
        `${short(r.scheduledFor)}Z  ${r.outcome.padEnd(17)}  ${r.messageId ?? "-"}${r.detail ? `  ${r.detail}` : ""}\n`,
      );
  return 0;
}

/** Runs a job now. */
export async function cronRunNow(id: string): Promise<number> {
  const run = (await call("POST", `/api/cron/${encodeURIComponent(id)}/run`)).run as Run;
  process.stdout.write(
    `${run.outcome}${run.messageId ? `: message ${run.messageId} (ratchet sessions show, or GET /api/messages/${run.messageId})` : ""}${run.detail ? `  ${run.detail}` : ""}\n`,
  );
  return run.outcome === "failed" ? 1 : 0;
}
