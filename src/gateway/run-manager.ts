// The run manager: turns durable inbox messages into runs. One run at a time per session; messages
// that arrive meanwhile are delivered into the running run (as steering after a tool call, or as
// follow-up input when it would stop); a global cap bounds concurrent runs; cancel aborts. Channels
// (web UI, Telegram, webhooks, cron) call `submit` and subscribe to the hub; they never run tasks.
import { statSync } from "node:fs";
import path from "node:path";
import type { AgentEvent, RunResult } from "../loop/events.js";
import type { StreamFn, UserMessage } from "../models/types.js";
import { nonInteractiveApprover } from "../policy/approvals.js";
import { createRedactor, secretsFromEnv } from "../policy/redact.js";
import type { ApprovalStore } from "../runtime/approval-store.js";
import type { RatchetConfig } from "../runtime/config.js";
import { createExecBackend } from "../runtime/exec-setup.js";
import { primaryModelRef, resolveModel } from "../runtime/resolve-model.js";
import { startTask } from "../runtime/run-task.js";
import type { SessionStore } from "../runtime/session-store.js";
import type { ExecBackend } from "../tools/index.js";
import { describeError, userError } from "../util/errors.js";
import { EventHub } from "./events.js";
import { idempotencyKey, withIdempotencyKey } from "./idempotency.js";
import type { InboxMessage, InboxStore } from "./inbox.js";
import { type MessageProgress, messageProgress, replyTo, runEntries } from "./progress.js";

const NOT_STARTED: MessageProgress = {
  started: false,
  inputStored: false,
  completed: false,
  answered: false,
  completedSteps: 0,
  reply: "",
};

/** Default of config `daemon.maxConcurrentRuns`. */
export const DEFAULT_MAX_CONCURRENT_RUNS = 4;

/** What the manager needs; `config` is read at each run start so reloads apply to the next run. */
export interface RunManagerDeps {
  home: string;
  store: SessionStore;
  inbox: InboxStore;
  approvals: ApprovalStore;
  config: () => RatchetConfig;
  /** Workspace for messages that name none. */
  defaultWorkspace: string;
  /** Model call function (tests inject one); default: the real providers. */
  stream?: StreamFn;
  /** Base exec backend; default: the host backend. It is wrapped to carry idempotency keys. */
  exec?: ExecBackend;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** A message as a channel submits it. */
export interface SubmitInput {
  text: string;
  sessionId?: string;
  workspace?: string;
  model?: string;
  idempotencyKey?: string;
}

interface ActiveRun {
  hostId: string;
  controller: AbortController;
  /** Inbound messages this run answers: the host and those delivered into it. */
  members: Set<string>;
  stepBase: number;
  step: number;
}

interface SessionState {
  queue: string[];
  active?: ActiveRun;
}

/** Schedules and runs inbox messages. */
export class RunManager {
  readonly hub = new EventHub();
  private sessions = new Map<string, SessionState>();
  private running = 0;
  private stopping = false;
  private settled = new Set<Promise<void>>();

  constructor(private deps: RunManagerDeps) {}

  /**
   * Stores the message durably, then schedules it. Throws a user error for bad input (unknown
   * session, missing workspace, no model) before anything is stored.
   */
  submit(input: SubmitInput): { message: InboxMessage; duplicate: boolean } {
    const { store, inbox } = this.deps;
    const text = input.text;
    if (text.trim() === "") throw userError("message_empty", "`text` is empty.");
    let sessionId = input.sessionId;
    let workspace = input.workspace;
    if (sessionId) {
      const s = store.get(sessionId); // throws session_not_found
      workspace ??= s.workspace;
    }
    workspace = path.resolve(workspace ?? this.deps.defaultWorkspace);
    if (!isDir(workspace))
      throw userError(
        "workspace_missing",
        `Workspace ${workspace} is not a folder. Create it or pass another.`,
      );
    const env = this.deps.env ?? process.env;
    const config = this.deps.config();
    // A model named by the client must at least resolve (provider known), before anything is stored.
    if (input.model) resolveModel(input.model.trim(), config, env);
    const model = primaryModelRef(config, env, input.model ? { model: input.model } : {});
    if (!sessionId) {
      const title = createRedactor(secretsFromEnv(env)).text(text);
      sessionId = store.create({ workspace, model, title });
    }
    const added = inbox.add({
      sessionId,
      text,
      workspace,
      ...(input.model ? { model: input.model } : {}),
      ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
    });
    if (!added.duplicate) this.enqueue(added.message);
    return added;
  }

  /**
   * What a new session can be started with: the default model (if one is configured), every model
   * the config names (default first, then fallbacks, then those with settings), and the workspace
   * used when a message names none.
   */
  choices(): { model?: string; models: string[]; workspace: string } {
    const config = this.deps.config();
    const env = this.deps.env ?? process.env;
    let model: string | undefined;
    try {
      model = primaryModelRef(config, env, {});
    } catch {
      // no model configured: clients must name one
    }
    const models = [
      ...new Set([
        ...(model ? [model] : []),
        ...(config.fallbackModels ?? []),
        ...Object.keys(config.models ?? {}),
      ]),
    ];
    return { ...(model ? { model } : {}), models, workspace: path.resolve(this.deps.defaultWorkspace) };
  }

  /** Re-schedules everything the inbox still holds (call once at start). */
  recover(): number {
    const { inbox, store } = this.deps;
    // First settle messages that were delivered into another run, before any run starts: a guest
    // whose delivery never reached the log is queued on its own again, so its host cannot claim it.
    const open = inbox.open();
    const own: InboxMessage[] = [];
    for (const m of open) {
      if (!m.host) {
        own.push(m);
        continue;
      }
      const host = inbox.get(m.host);
      const delivered = hasUserText(runEntries(safeEntries(store, m.sessionId), m.host), m.text);
      if (delivered && host && (host.status === "done" || host.status === "failed"))
        inbox.setStatus(m.id, host.status, host.error ? { error: host.error } : {});
      else if (!delivered) {
        inbox.setStatus(m.id, "queued", { host: null });
        own.push(m);
      } // else: it resumes with its host, which is still open
    }
    own.sort((a, b) => open.indexOf(a) - open.indexOf(b));
    for (const m of own) this.enqueue(m);
    return own.length;
  }

  /** Aborts the session's current run; queued messages stay queued. */
  cancel(sessionId: string): boolean {
    const active = this.sessions.get(sessionId)?.active;
    if (!active) return false;
    active.controller.abort();
    return true;
  }

  /** Whether a run is going in the session. */
  isRunning(sessionId: string): boolean {
    return this.sessions.get(sessionId)?.active !== undefined;
  }

  /** Number of runs going now. */
  activeRuns(): number {
    return this.running;
  }

  /**
   * Stops taking work and aborts the runs in flight without marking their messages: they stay
   * "running" in the inbox and resume at the next start.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const s of this.sessions.values()) s.active?.controller.abort();
    await Promise.allSettled([...this.settled]);
  }

  private enqueue(m: InboxMessage): void {
    const s = this.state(m.sessionId);
    if (!s.queue.includes(m.id)) s.queue.push(m.id);
    this.hub.emit({ type: "message", sessionId: m.sessionId, messageId: m.id, status: m.status });
    this.pump();
  }

  private state(sessionId: string): SessionState {
    const existing = this.sessions.get(sessionId);
    if (existing) return existing;
    const s: SessionState = { queue: [] };
    this.sessions.set(sessionId, s);
    return s;
  }

  /** Starts runs while slots are free, oldest waiting session first (Map order = arrival). */
  private pump(): void {
    const cap = this.deps.config().daemon?.maxConcurrentRuns ?? DEFAULT_MAX_CONCURRENT_RUNS;
    for (const [id, s] of [...this.sessions]) {
      if (this.stopping || this.running >= cap) return;
      if (s.active || s.queue.length === 0) continue;
      const messageId = s.queue.shift() as string;
      // Re-insert so this session goes to the back of the line (fairness across sessions).
      this.sessions.delete(id);
      this.sessions.set(id, s);
      const m = this.deps.inbox.get(messageId);
      if (!m || m.status === "done" || m.status === "failed") continue;
      this.running++;
      const done = this.run(s, m)
        .catch((err: unknown) => this.deps.log?.(`run of ${m.id} failed: ${describeError(err)}`))
        .finally(() => {
          this.running--;
          this.settled.delete(done);
          if (s.queue.length === 0 && !s.active) this.sessions.delete(id);
          this.pump();
        });
      this.settled.add(done);
    }
  }

  private async run(s: SessionState, m: InboxMessage): Promise<void> {
    const { inbox, store } = this.deps;
    // A queued message never started (it turns "running" before its run_start is written), so
    // only a running one needs the log read back.
    const progress =
      m.status === "queued" ? NOT_STARTED : messageProgress(store.entries(m.sessionId), m.id, m.text);
    const members = new Set([
      m.id,
      ...inbox
        .guests(m.id)
        .filter((g) => g.status === "running")
        .map((g) => g.id),
    ]);
    if (progress.completed || progress.answered) {
      // It finished before a crash but was not marked: mark it, never run it twice.
      this.finish(m.sessionId, m.id, members, "done");
      return;
    }
    inbox.setStatus(m.id, "running");
    const active: ActiveRun = {
      hostId: m.id,
      controller: new AbortController(),
      members,
      stepBase: progress.completedSteps,
      step: 0,
    };
    s.active = active;
    // The sandbox by default, as for `ratchet run`; closed when the run ends.
    const own = this.deps.exec
      ? undefined
      : createExecBackend(this.deps.config(), m.workspace, this.deps.home);
    const base = this.deps.exec ?? own!;
    let result: RunResult | undefined;
    try {
      const started = await startTask({
        home: this.deps.home,
        config: this.deps.config(),
        store,
        input: m.text,
        workspace: m.workspace,
        sessionId: m.sessionId,
        ...(m.model ? { overrides: { model: m.model } } : {}),
        ...(this.deps.stream ? { stream: this.deps.stream } : {}),
        ...(this.deps.env ? { env: this.deps.env } : {}),
        exec: withIdempotencyKey(base, () =>
          idempotencyKey(m.id, active.stepBase + Math.max(active.step, 1)),
        ),
        signal: active.controller.signal,
        approver: nonInteractiveApprover,
        approvals: this.deps.approvals,
        holdHint: (hash) =>
          `held for the owner's approval (POST /api/approvals/${hash.slice(0, 12)}/approve, or \`ratchet approvals approve ${hash.slice(0, 12)}\`); tell the owner, then stop`,
        runMeta: { messageId: m.id, ...(progress.started ? { resumed: true } : {}) },
        resume: progress.inputStored,
        getSteeringMessages: async () => this.deliver(s, active),
        getFollowUpMessages: async () => this.deliver(s, active),
        onWarning: (w) => this.deps.log?.(`session ${m.sessionId}: ${w}`),
      });
      for await (const ev of started.run) this.onEvent(m.sessionId, active, ev);
      result = await started.run.result;
    } catch (err) {
      if (!this.stopping) this.finish(m.sessionId, m.id, active.members, "failed", describeError(err));
      return;
    } finally {
      s.active = undefined;
      void own?.close();
    }
    if (this.stopping && result.status === "aborted") return; // resumes at next start
    if (result.status === "completed" || result.status === "limit")
      this.finish(
        m.sessionId,
        m.id,
        active.members,
        "done",
        undefined,
        progress.started ? undefined : result,
      );
    else
      this.finish(
        m.sessionId,
        m.id,
        active.members,
        "failed",
        result.status === "aborted" ? "cancelled" : (result.reason ?? result.status),
      );
  }

  private onEvent(sessionId: string, active: ActiveRun, ev: AgentEvent): void {
    if (ev.type === "step_start") active.step = ev.step;
    this.hub.emit({ type: "agent", sessionId, messageIds: [...active.members], event: ev });
  }

  /** Hands the session's queued messages to the running run, recording the delivery first. */
  private deliver(s: SessionState, active: ActiveRun): UserMessage[] {
    if (this.stopping || active.controller.signal.aborted) return [];
    const out: UserMessage[] = [];
    while (s.queue.length > 0) {
      const id = s.queue.shift() as string;
      const m = this.deps.inbox.get(id);
      if (!m || m.status === "done" || m.status === "failed") continue;
      this.deps.inbox.setStatus(id, "running", { host: active.hostId });
      active.members.add(id);
      out.push({ role: "user", content: m.text, origin: "owner" });
    }
    return out;
  }

  /** Marks the run's messages; each one's reply is derived from the session log. */
  private finish(
    sessionId: string,
    hostId: string,
    members: Set<string>,
    status: "done" | "failed",
    error?: string,
    result?: RunResult,
  ): void {
    // One message answered by one fresh run (`result` is passed only then): its reply is the run's
    // final text, which the journal has already written. Otherwise read each reply from the log.
    const simple = result !== undefined && members.size === 1;
    const entries = simple ? [] : safeEntries(this.deps.store, sessionId);
    for (const id of members) {
      const m = this.deps.inbox.get(id);
      this.deps.inbox.setStatus(id, status, error ? { error } : {});
      const reply = simple && result ? result.finalText : m ? replyTo(entries, hostId, m.text) : "";
      this.hub.emit({
        type: "message",
        sessionId,
        messageId: id,
        status,
        ...(reply ? { reply } : {}),
        ...(error ? { error } : {}),
      });
    }
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function safeEntries(store: SessionStore, sessionId: string) {
  try {
    return store.entries(sessionId);
  } catch {
    return [];
  }
}

function hasUserText(entries: ReturnType<SessionStore["entries"]>, text: string): boolean {
  return entries.some(
    (e) =>
      e.kind === "message" &&
      (e.data as { role?: string; content?: unknown }).role === "user" &&
      (e.data as { content?: unknown }).content === text,
  );
}
