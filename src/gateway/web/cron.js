// The cron view: scheduled jobs (schedule, next run, last outcome), an enable switch, and each
// job's run history. A daemon without the scheduler answers 404, shown as "not available".
import { ApiError, api } from "./api.js";
import { $, el, fmtTime } from "./dom.js";

/** Loads and draws the jobs. */
export async function renderCron() {
  const body = $("cron-body");
  $("cron-runs").replaceChildren();
  let jobs;
  try {
    ({ jobs } = await api("GET", "/api/cron"));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      body.replaceChildren(
        el("p", { class: "muted", id: "cron-unavailable" }, "The scheduler is not available on this daemon."),
      );
      return;
    }
    throw err;
  }
  if (!Array.isArray(jobs) || jobs.length === 0) {
    body.replaceChildren(el("p", { class: "muted" }, "No cron jobs."));
    return;
  }
  const head = el(
    "tr",
    {},
    ["Name", "Kind", "Schedule", "Prompt", "Next run", "Last run", "Enabled", ""].map((h) => el("th", {}, h)),
  );
  const rows = jobs.map((j) =>
    el(
      "tr",
      { data: { job: j.id } },
      el("td", {}, j.name ?? j.id),
      el("td", {}, j.kind ?? ""),
      el("td", {}, `${j.schedule ?? ""}${j.timezone ? ` (${j.timezone})` : ""}`),
      el("td", { class: "prompt" }, j.prompt ?? ""),
      el("td", {}, fmtTime(j.nextRunAt)),
      el("td", {}, lastRun(j.lastRun)),
      el(
        "td",
        {},
        el("input", {
          type: "checkbox",
          "aria-label": `enable ${j.name ?? j.id}`,
          checked: j.enabled === true,
          onchange: (e) => void toggle(j, e.target),
        }),
      ),
      el("td", {}, el("button", { type: "button", class: "quiet", onclick: () => void showRuns(j) }, "Runs")),
    ),
  );
  body.replaceChildren(el("table", {}, el("thead", {}, head), el("tbody", {}, rows)));
}

function lastRun(r) {
  if (!r || typeof r !== "object") return "—";
  return `${r.outcome ?? "?"} · ${fmtTime(r.startedAt ?? r.scheduledFor)}`;
}

async function toggle(job, box) {
  box.disabled = true;
  try {
    await api("PATCH", `/api/cron/${encodeURIComponent(job.id)}`, { enabled: box.checked });
    job.enabled = box.checked;
  } catch (err) {
    box.checked = !box.checked;
    $("cron-runs").replaceChildren(
      el("p", { class: "error" }, `Could not change ${job.name ?? job.id}: ${err.message}`),
    );
  } finally {
    box.disabled = false;
  }
}

async function showRuns(job) {
  const out = $("cron-runs");
  try {
    const { runs } = await api("GET", `/api/cron/${encodeURIComponent(job.id)}/runs`);
    const rows = (runs ?? []).map((r) =>
      el(
        "tr",
        {},
        el("td", {}, fmtTime(r.scheduledFor)),
        el("td", {}, fmtTime(r.startedAt)),
        el("td", {}, r.outcome ?? ""),
        el("td", {}, r.messageId ?? ""),
        el("td", {}, r.detail ?? ""),
      ),
    );
    if (rows.length === 0) rows.push(el("tr", {}, el("td", { colspan: 5, class: "muted" }, "No runs yet.")));
    const head = el(
      "tr",
      {},
      ["Scheduled for", "Started", "Outcome", "Message", "Detail"].map((h) => el("th", {}, h)),
    );
    out.replaceChildren(
      el("h3", {}, `Runs of ${job.name ?? job.id}`),
      el("table", {}, el("thead", {}, head), el("tbody", {}, rows)),
    );
  } catch (err) {
    out.replaceChildren(el("p", { class: "error" }, `Could not read the runs: ${err.message}`));
  }
}
