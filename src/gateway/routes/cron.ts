// Cron routes: list, create, edit, delete cron jobs and heartbeats, read a job's run history, and
// run a job now. Bodies are checked field by field so a 400 says exactly what to fix; schedule and
// time-zone checks live in the scheduler.
import { Hono } from "hono";
import { badRequest, type GatewayEnv, readJsonObject, stringField } from "../http-util.js";
import type { Scheduler } from "../scheduler.js";
import type { CatchUpPolicy, HeartbeatCheck, JobKind, JobPatch } from "../scheduler-store.js";

const POLICIES: CatchUpPolicy[] = ["skip", "latest", "all"];
const KINDS: JobKind[] = ["cron", "heartbeat"];
const FIELDS = [
  "name",
  "kind",
  "schedule",
  "timezone",
  "prompt",
  "sessionId",
  "workspace",
  "catchUp",
  "checks",
  "enabled",
];

/** The daemon's own time zone, the default of jobs that name none. */
function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Mounted at /api. */
export function cronRoutes(scheduler: Scheduler): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();

  app.get("/cron", (c) => c.json({ jobs: scheduler.list() }));

  app.post("/cron", async (c) => {
    const body = await readJsonObject(c);
    unknownFields(body);
    const kind = (oneOf(body, "kind", KINDS) ?? "cron") as JobKind;
    const prompt = nonEmpty(body, "prompt", true) as string;
    const job = scheduler.create({
      name: nonEmpty(body, "name") ?? prompt.slice(0, 60),
      kind,
      schedule: nonEmpty(body, "schedule", true) as string,
      timezone: nonEmpty(body, "timezone") ?? localZone(),
      prompt,
      sessionId: nonEmpty(body, "sessionId") ?? null,
      workspace: nonEmpty(body, "workspace") ?? null,
      catchUp: (oneOf(body, "catchUp", POLICIES) ?? "latest") as CatchUpPolicy,
      checks: checksField(body) ?? [],
      enabled: boolField(body, "enabled") ?? true,
    });
    return c.json({ job }, 201);
  });

  app.patch("/cron/:id", async (c) => {
    const body = await readJsonObject(c);
    unknownFields(body);
    if ("kind" in body) throw badRequest("`kind` cannot change; delete the job and create a new one");
    const p: JobPatch = {};
    const set = <K extends keyof JobPatch>(k: K, v: JobPatch[K] | undefined) => {
      if (v !== undefined) p[k] = v;
    };
    set("name", nonEmpty(body, "name"));
    set("schedule", nonEmpty(body, "schedule"));
    set("timezone", nonEmpty(body, "timezone"));
    set("prompt", nonEmpty(body, "prompt"));
    if (body.sessionId === null) p.sessionId = null;
    else set("sessionId", nonEmpty(body, "sessionId"));
    if (body.workspace === null) p.workspace = null;
    else set("workspace", nonEmpty(body, "workspace"));
    set("catchUp", oneOf(body, "catchUp", POLICIES) as CatchUpPolicy | undefined);
    set("checks", checksField(body));
    set("enabled", boolField(body, "enabled"));
    return c.json({ job: scheduler.update(c.req.param("id"), p) });
  });

  app.delete("/cron/:id", (c) => {
    scheduler.delete(c.req.param("id"));
    return c.json({ deleted: true });
  });

  app.get("/cron/:id/runs", (c) => {
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 50) || 50, 1), 500);
    return c.json({ runs: scheduler.runs(c.req.param("id"), limit) });
  });

  app.post("/cron/:id/run", (c) => c.json({ run: scheduler.runNow(c.req.param("id")) }, 202));
  return app;
}

function unknownFields(body: Record<string, unknown>): void {
  const extra = Object.keys(body).filter((k) => !FIELDS.includes(k));
  if (extra.length > 0)
    throw badRequest(
      `unknown field(s) ${extra.map((k) => `\`${k}\``).join(", ")}; known: ${FIELDS.join(", ")}`,
    );
}

function nonEmpty(body: Record<string, unknown>, key: string, required = false): string | undefined {
  const v = stringField(body, key, required);
  if (v !== undefined && v.trim() === "") throw badRequest(`\`${key}\` is empty`);
  return v;
}

function oneOf(body: Record<string, unknown>, key: string, allowed: string[]): string | undefined {
  const v = stringField(body, key);
  if (v !== undefined && !allowed.includes(v))
    throw badRequest(`\`${key}\` must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
  return v;
}

function boolField(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") throw badRequest(`\`${key}\` must be true or false`);
  return v;
}

/** `checks`: an array of {type:"file", path} or {type:"glob", pattern, cwd?}. */
function checksField(body: Record<string, unknown>): HeartbeatCheck[] | undefined {
  const v = body.checks;
  if (v === undefined) return undefined;
  const shape = 'each check is {"type":"file","path":"…"} or {"type":"glob","pattern":"…","cwd":"…"}';
  if (!Array.isArray(v) || v.length > 50)
    throw badRequest(`\`checks\` must be an array of at most 50; ${shape}`);
  return v.map((c, i): HeartbeatCheck => {
    const o = (typeof c === "object" && c !== null ? c : {}) as Record<string, unknown>;
    const str = (k: string) => typeof o[k] === "string" && (o[k] as string).trim() !== "";
    if (o.type === "file" && str("path") && Object.keys(o).length === 2)
      return { type: "file", path: o.path as string };
    if (o.type === "glob" && str("pattern") && (o.cwd === undefined || str("cwd")))
      if (Object.keys(o).length === (o.cwd === undefined ? 2 : 3))
        return { type: "glob", pattern: o.pattern as string, ...(o.cwd ? { cwd: o.cwd as string } : {}) };
    throw badRequest(
      `\`checks[${i}]\` is not a check I can run: ${shape} (command checks are not supported: they could have side effects)`,
    );
  });
}
