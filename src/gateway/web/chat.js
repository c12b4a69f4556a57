// The chat view: pick or start a session (a new one with a model and workspace of your choice, the
// daemon's defaults otherwise), send a message, and watch the run live. Text deltas,
// tool calls (name, arguments, result, error) and status come from the session's event stream;
// when a run ends without the page having seen all of it, the transcript is re-read from the log.
import { ApiError, api, streamEvents } from "./api.js";
import { $, banner, el, fmtArgs, fmtCost, fmtTokens } from "./dom.js";

const state = {
  /** Open session id, or "" for a new one. */
  session: "",
  /** Aborts the open event stream. */
  stream: undefined,
  /** Whether the open event stream has said "ready" (so it sees every later event). */
  ready: false,
  /** The run being drawn from events: { node, text, tools, sawStart }. */
  live: undefined,
  /** Message ids sent from this page and not yet settled. */
  pending: new Set(),
  /** Message ids whose end the event stream already handled. */
  settled: new Set(),
};

/** Wires the form and the picker. */
export function initChat() {
  $("send-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void send();
  });
  $("message").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void send();
    }
  });
  $("session-pick").addEventListener("change", (e) => void openSession(e.target.value));
  $("cancel").addEventListener("click", () => void cancel());
}

/** Forgets everything (logout). */
export function resetChat() {
  state.stream?.abort();
  state.stream = undefined;
  state.ready = false;
  state.session = "";
  state.live = undefined;
  state.pending.clear();
  $("transcript").replaceChildren();
  $("session-pick").replaceChildren();
  $("new-session").hidden = false;
  $("new-model").value = "";
  $("new-workspace").value = "";
  $("chat-usage").textContent = "";
  setStatus("");
}

/** Refills the session picker, keeping the open session selected, and the new-session choices. */
export async function refreshPicker() {
  const [{ sessions }, choices] = await Promise.all([
    api("GET", "/api/sessions?limit=100"),
    api("GET", "/api/models"),
  ]);
  $("model-list").replaceChildren(...choices.models.map((m) => el("option", { value: m })));
  $("new-model").placeholder = choices.model ?? "provider/model (none configured)";
  $("new-workspace").placeholder = choices.workspace;
  const pick = $("session-pick");
  const options = [el("option", { value: "" }, "New session")];
  for (const s of sessions)
    options.push(el("option", { value: s.id }, `${s.title || "(untitled)"} · ${s.id.slice(0, 8)}`));
  pick.replaceChildren(...options);
  pick.value = state.session;
}

/** Opens a session ("" for a new one): its transcript, usage and status, then its live events. */
export async function openSession(id) {
  state.stream?.abort();
  state.stream = undefined;
  state.ready = false;
  state.session = id;
  state.live = undefined;
  $("session-pick").value = id;
  $("new-session").hidden = id !== "";
  $("transcript").replaceChildren();
  $("chat-usage").textContent = "";
  setStatus("");
  if (!id) return;
  subscribe(id);
  await reload();
}

/** Re-reads the open session from the daemon and redraws it. */
async function reload() {
  const id = state.session;
  const data = await api("GET", `/api/sessions/${encodeURIComponent(id)}`);
  if (id !== state.session) return;
  state.live = undefined;
  renderEntries(data.entries);
  showUsage(data.session);
  if (data.running && $("chat-status").dataset.status !== "queued") setStatus("running");
}

function showUsage(s) {
  const u = s?.usage;
  $("chat-usage").textContent = u
    ? `${fmtTokens(u.input)} in · ${fmtTokens(u.output)} out · ${fmtCost(u.cost?.total)}`
    : "";
}

/** Status chip and the cancel button: queued, running, done, failed (with a reason). */
function setStatus(status, detail) {
  const chip = $("chat-status");
  chip.textContent = detail ? `${status}: ${detail}` : status;
  chip.dataset.status = status;
  $("cancel").disabled = !(status === "running" || status === "queued");
}

function scrollDown() {
  const t = $("transcript");
  t.scrollTop = t.scrollHeight;
}

function userBlock(text) {
  return el(
    "div",
    { class: "msg user" },
    el("div", { class: "who" }, "you"),
    el("div", { class: "body" }, text),
  );
}

function assistantBlock(text = "") {
  return el(
    "div",
    { class: "msg assistant" },
    el("div", { class: "who" }, "agent"),
    el("div", { class: "body" }, text),
  );
}

/** A tool call block whose arguments and result can be filled in as they arrive. */
function toolBlock(id, name) {
  const args = el("pre", { class: "args" });
  const result = el("pre", { class: "result" });
  const stateLabel = el("span", { class: "tool-state" }, "running");
  const node = el(
    "div",
    { class: "tool", data: { call: id } },
    el("div", { class: "tool-head" }, el("span", { class: "tool-name" }, name), stateLabel),
    args,
    result,
  );
  return {
    node,
    rawArgs: "",
    setArgs(a) {
      args.textContent = fmtArgs(a);
    },
    appendArgs(delta) {
      this.rawArgs += delta;
      args.textContent = this.rawArgs;
    },
    setResult(text, isError) {
      // Policy's held calls come back as errors; say what they are (see the Approvals view).
      const held = Boolean(isError) && typeof text === "string" && text.includes("held for approval");
      result.textContent = text;
      stateLabel.textContent = held ? "held for approval" : isError ? "error" : "done";
      node.classList.toggle("held", held);
      node.classList.toggle("failed", Boolean(isError) && !held);
    },
  };
}

/** Draws a transcript from the session log's entries. */
function renderEntries(entries) {
  const t = $("transcript");
  const tools = new Map();
  const out = [];
  for (const e of entries) {
    if (e.kind === "compaction") out.push(el("div", { class: "note" }, "Older messages were summarised."));
    if (e.kind === "run_end" && e.data?.status && e.data.status !== "completed")
      out.push(
        el(
          "div",
          { class: "note error" },
          `Run ended: ${e.data.status}${e.data.reason ? ` (${e.data.reason})` : ""}`,
        ),
      );
    if (e.kind !== "message") continue;
    const m = e.data;
    if (m.role === "user") out.push(userBlock(m.content));
    else if (m.role === "assistant") {
      for (const b of m.content ?? []) {
        if (b.type === "text" && b.text) out.push(assistantBlock(b.text));
        else if (b.type === "toolCall") {
          const tb = toolBlock(b.id, b.name);
          tb.setArgs(b.invalidArguments ?? b.arguments);
          tools.set(b.id, tb);
          out.push(tb.node);
        }
      }
      if (m.errorMessage) out.push(el("div", { class: "note error" }, m.errorMessage));
    } else if (m.role === "toolResult") {
      let tb = tools.get(m.toolCallId);
      if (!tb) {
        tb = toolBlock(m.toolCallId, m.toolName);
        out.push(tb.node);
      }
      tb.setResult(m.content, m.isError);
    }
  }
  t.replaceChildren(...out);
  scrollDown();
}

/** The live run's container, created on first need (the page may join a run midway). */
function live() {
  if (!state.live) {
    const node = el("div", { class: "turn", data: { source: "live" } });
    $("transcript").append(node);
    state.live = { node, text: undefined, tools: new Map(), sawStart: false };
  }
  return state.live;
}

function liveTool(id, name) {
  const l = live();
  let tb = l.tools.get(id);
  if (!tb) {
    tb = toolBlock(id, name);
    l.tools.set(id, tb);
    l.node.append(tb.node);
  }
  l.text = undefined;
  return tb;
}

/** Applies one agent event to the live run. */
function onAgent(a) {
  if (a.type === "run_start") {
    state.live = undefined;
    live().sawStart = true;
  } else if (a.type === "model") {
    const m = a.event;
    if (m.type === "text_delta") {
      const l = live();
      if (!l.text) {
        l.text = assistantBlock();
        l.text.classList.add("streaming");
        l.node.append(l.text);
      }
      l.text.lastChild.textContent += m.delta;
    } else if (m.type === "toolcall_start") liveTool(m.id, m.name);
    else if (m.type === "toolcall_delta") liveTool(m.id, "").appendArgs(m.delta);
    else if (m.type === "retry") live().node.append(el("div", { class: "note" }, `retrying: ${m.error}`));
  } else if (a.type === "tool_start") liveTool(a.call.id, a.call.name).setArgs(a.call.arguments);
  else if (a.type === "tool_end")
    liveTool(a.call.id, a.call.name).setResult(a.result.content, a.result.isError);
  else if (a.type === "step_end") {
    const l = live();
    l.text?.classList.remove("streaming");
    l.text = undefined;
    if (a.message?.errorMessage) l.node.append(el("div", { class: "note error" }, a.message.errorMessage));
  } else if (a.type === "run_end") {
    const r = a.result;
    const l = live();
    l.text?.classList.remove("streaming");
    l.text = undefined;
    if (r.status !== "completed")
      l.node.append(
        el("div", { class: "note error" }, `Run ended: ${r.status}${r.reason ? ` (${r.reason})` : ""}`),
      );
    l.ended = true;
  }
  scrollDown();
}

/** A message changed status; at its end, redraw from the log unless the whole run was seen live. */
function onMessage(ev) {
  setStatus(ev.status, ev.status === "failed" ? ev.error : undefined);
  if (ev.status !== "done" && ev.status !== "failed") return;
  state.settled.add(ev.messageId);
  state.pending.delete(ev.messageId);
  const l = state.live;
  const seenWhole = l?.sawStart && l.ended;
  state.live = undefined;
  if (!seenWhole) void reload().catch(() => {});
  else
    void api("GET", `/api/sessions/${encodeURIComponent(state.session)}`)
      .then((d) => showUsage(d.session))
      .catch(() => {});
}

/** Follows the session's events; reconnects after a drop while the session stays open. */
function subscribe(id) {
  const ctl = new AbortController();
  state.stream = ctl;
  state.ready = false;
  const onEvent = (name, ev) => {
    if (id !== state.session || state.stream !== ctl) return;
    if (name === "ready") state.ready = true;
    if (ev.type === "agent") onAgent(ev.event);
    else if (ev.type === "message") onMessage(ev);
  };
  streamEvents(id, onEvent, ctl.signal)
    .catch((err) => {
      if (ctl.signal.aborted || (err instanceof ApiError && err.status === 401)) return;
      banner("The live event stream dropped; reconnecting…");
    })
    .finally(() => {
      if (ctl.signal.aborted || state.stream !== ctl) return;
      setTimeout(() => {
        if (state.stream !== ctl || ctl.signal.aborted) return;
        banner("");
        subscribe(id);
        void reload().catch(() => {});
      }, 2000);
    });
}

/**
 * Long-polls a message sent before the stream was ready (a new session): if the stream missed the
 * message's end, handle it here. The stream gets a head start, as both answers leave together.
 */
async function watch(messageId) {
  for (;;) {
    if (state.settled.has(messageId)) return;
    const m = await api("GET", `/api/messages/${encodeURIComponent(messageId)}?wait=25000`);
    if (m.status === "done" || m.status === "failed") {
      await new Promise((r) => setTimeout(r, 3000));
      if (state.settled.has(messageId)) return;
      if (m.sessionId === state.session) onMessage({ ...m, type: "message" });
      return;
    }
  }
}

/** Sends the typed message to the open session, or starts a new one. */
async function send() {
  const box = $("message");
  const text = box.value.trim();
  if (!text) return;
  const btn = $("send");
  btn.disabled = true;
  // Drawn first: on an open stream the run's first events can beat the 202.
  const mine = userBlock(text);
  $("transcript").append(mine);
  scrollDown();
  const streaming = state.ready;
  try {
    const path = state.session
      ? `/api/sessions/${encodeURIComponent(state.session)}/messages`
      : "/api/sessions/messages";
    const body = { text };
    if (!state.session) {
      // Blank fields leave the choice to the daemon (its default model and workspace).
      const model = $("new-model").value.trim();
      const workspace = $("new-workspace").value.trim();
      if (model) body.model = model;
      if (workspace) body.workspace = workspace;
    }
    const sent = await api("POST", path, body);
    box.value = "";
    state.pending.add(sent.messageId);
    if (sent.sessionId !== state.session) {
      state.session = sent.sessionId;
      $("new-session").hidden = true;
      subscribe(sent.sessionId);
      void refreshPicker().catch(() => {});
    }
    if (!state.settled.has(sent.messageId) && $("chat-status").dataset.status !== "running")
      setStatus(sent.status ?? "queued");
    if (!streaming) void watch(sent.messageId).catch(() => {});
  } catch (err) {
    mine.remove();
    banner(`Could not send: ${err.message}`);
  } finally {
    btn.disabled = false;
  }
}

async function cancel() {
  if (!state.session) return;
  try {
    await api("POST", `/api/sessions/${encodeURIComponent(state.session)}/cancel`);
  } catch (err) {
    banner(`Could not cancel: ${err.message}`);
  }
}
