// The page's entry: log in with the daemon's token (checked against an authenticated endpoint,
// kept in sessionStorage), switch views, log out. The views live in their own modules.
import { ApiError, api, onUnauthorized, token } from "./api.js";
import { refreshApprovals, startApprovals, stopApprovals } from "./approvals.js";
import { initChat, openSession, refreshPicker, resetChat } from "./chat.js";
import { renderCron } from "./cron.js";
import { $, banner } from "./dom.js";
import { renderSessions } from "./sessions.js";

const VIEWS = ["chat", "sessions", "approvals", "cron"];

/** Shows one view and loads what it needs. */
function show(view) {
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== view;
  for (const b of document.querySelectorAll("nav button"))
    b.classList.toggle("active", b.dataset.view === view);
  const fail = (err) => banner(`Could not load ${view}: ${err.message}`);
  banner("");
  if (view === "sessions") void renderSessions(openInChat).catch(fail);
  if (view === "approvals") void refreshApprovals().catch(fail);
  if (view === "cron") void renderCron().catch(fail);
  if (view === "chat") void refreshPicker().catch(fail);
}

function openInChat(id) {
  show("chat");
  void openSession(id).catch((err) => banner(`Could not open the session: ${err.message}`));
}

/** Checks a token against the daemon; returns an error message, or "" when it works. */
async function verify(tok) {
  try {
    await api("GET", "/api/sessions?limit=1", undefined, tok);
    return "";
  } catch (err) {
    if (err instanceof ApiError && err.status === 401)
      return "That token was not accepted. Copy it again from `ratchet token`.";
    if (err instanceof ApiError && err.status === 429)
      return `Too many failed attempts; try again in ${err.retryAfter || "a few"} seconds.`;
    if (err instanceof ApiError) return `The daemon refused: ${err.message}`;
    return "Cannot reach the daemon.";
  }
}

function enter() {
  $("login").hidden = true;
  $("shell").hidden = false;
  $("token").value = "";
  startApprovals();
  show("chat");
}

function logout(message = "") {
  token.clear();
  stopApprovals();
  resetChat();
  banner("");
  $("shell").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("token").focus();
}

async function boot() {
  initChat();
  onUnauthorized(() => logout("The daemon no longer accepts this token; log in again."));
  for (const b of document.querySelectorAll("nav button"))
    b.addEventListener("click", () => show(b.dataset.view));
  $("logout").addEventListener("click", () => logout());
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const tok = $("token").value.trim();
    const err = $("login-error");
    err.textContent = "";
    const problem = tok ? await verify(tok) : "Paste the token first.";
    if (problem) {
      err.textContent = problem;
      return;
    }
    token.set(tok);
    enter();
  });
  const saved = token.get();
  if (saved && !(await verify(saved))) enter();
  else logout(saved ? "Your saved token no longer works; log in again." : "");
}

void boot();
