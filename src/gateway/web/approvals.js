// The approvals view: calls held by policy, with Approve and Deny. Polled every few seconds while
// logged in (the nav badge shows the count); the list is only redrawn when it changes, so a button
// is never swapped out from under a click.
import { api } from "./api.js";
import { $, el, fmtArgs, fmtTime } from "./dom.js";

const POLL_MS = 3000;
let timer;
let shownKey;

/** Starts polling (and draws at once). */
export function startApprovals() {
  stopApprovals();
  const tick = () => {
    void refreshApprovals()
      .catch(() => {})
      .finally(() => {
        if (timer !== undefined) timer = setTimeout(tick, POLL_MS);
      });
  };
  timer = setTimeout(tick, 0);
}

/** Stops polling and forgets what was drawn (logout). */
export function stopApprovals() {
  clearTimeout(timer);
  timer = undefined;
  shownKey = undefined;
  $("approval-list").replaceChildren();
  $("approval-note").textContent = "";
  $("approval-count").hidden = true;
}

/** Reads the pending list and redraws it if it changed. */
export async function refreshApprovals() {
  const { approvals } = await api("GET", "/api/approvals");
  const badge = $("approval-count");
  badge.textContent = String(approvals.length);
  badge.hidden = approvals.length === 0;
  const key = approvals.map((a) => a.id).join(",");
  if (key === shownKey) return;
  shownKey = key;
  const cards = approvals.map((a) =>
    el(
      "div",
      { class: "approval card", data: { approval: a.id } },
      el(
        "div",
        { class: "tool-head" },
        el("span", { class: "tool-name" }, a.tool),
        el("span", { class: "muted" }, fmtTime(a.createdAt)),
      ),
      el("pre", { class: "args" }, fmtArgs(a.arguments)),
      el("p", { class: "reason" }, a.reason),
      a.sessionId ? el("p", { class: "muted" }, `session ${a.sessionId}`) : null,
      el(
        "div",
        { class: "actions" },
        el("button", { type: "button", class: "approve", onclick: () => decide(a, "approve") }, "Approve"),
        el("button", { type: "button", class: "deny quiet", onclick: () => decide(a, "deny") }, "Deny"),
      ),
    ),
  );
  if (cards.length === 0) cards.push(el("p", { class: "muted" }, "Nothing is waiting for approval."));
  $("approval-list").replaceChildren(...cards);
}

async function decide(a, verdict) {
  const note = $("approval-note");
  try {
    const res = await api("POST", `/api/approvals/${encodeURIComponent(a.id)}/${verdict}`);
    const how = res?.resumed ? " The agent was told and continues in its session." : "";
    note.textContent = `${verdict === "approve" ? "Approved" : "Denied"} the ${a.tool} call.${how}`;
  } catch (err) {
    note.textContent = `Could not ${verdict}: ${err.message}`;
  }
  await refreshApprovals().catch(() => {});
}
