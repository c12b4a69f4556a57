// The sessions view: every session with its title, last update, status, tokens in and out and
// cost; "Open" shows its transcript in the chat view.
import { api } from "./api.js";
import { $, el, fmtCost, fmtTime, fmtTokens } from "./dom.js";

/** Loads and draws the list; `open(id)` is called when the user opens a session. */
export async function renderSessions(open) {
  const { sessions } = await api("GET", "/api/sessions?limit=200");
  const rows = sessions.map((s) =>
    el(
      "tr",
      { data: { session: s.id } },
      el("td", { class: "title" }, s.title || "(untitled)"),
      el("td", {}, fmtTime(s.updatedAt)),
      el("td", {}, s.status),
      el("td", { class: "num tokens-in" }, fmtTokens(s.usage?.input)),
      el("td", { class: "num tokens-out" }, fmtTokens(s.usage?.output)),
      el("td", { class: "num cost" }, fmtCost(s.usage?.cost?.total)),
      el("td", {}, el("button", { type: "button", class: "quiet", onclick: () => open(s.id) }, "Open")),
    ),
  );
  if (rows.length === 0)
    rows.push(el("tr", {}, el("td", { colspan: 7, class: "muted" }, "No sessions yet.")));
  $("session-rows").replaceChildren(...rows);
}
