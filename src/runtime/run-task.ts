// Runs one task in a session: builds the context (prompt, AGENTS.md, skills, tools), runs the
// loop, and journals every message as it happens. Consumers read the same event stream.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { type AgentRun, type Budget, runAgentLoop } from "../loop/agent-loop.js";
import { EventStream } from "../loop/event-stream.js";
import type { AgentEvent, RunResult } from "../loop/events.js";
import type { Tool } from "../loop/tool.js";
import { streamModel } from "../models/index.js";
import { defaultRetryPolicy, withRetries } from "../models/retry.js";
import type { Message, ModelSpec, StreamFn, ToolResultMessage } from "../models/types.js";
import type { ExecBackend } from "../tools/exec-backend.js";
import { createWorkspaceTools } from "../tools/index.js";
import { describeError } from "../util/errors.js";
import type { RatchetConfig } from "./config.js";
import { type ModelOverrides, resolveModels } from "./resolve-model.js";
import { danglingToolCalls, type SessionStore } from "./session-store.js";
import { createSkillTool, discoverSkills } from "./skills.js";
import { buildSystemPrompt } from "./system-prompt.js";

export interface TaskOptions {
  home: string;
  config: RatchetConfig;
  store: SessionStore;
  input: string;
  /** Absolute workspace root. */
  workspace: string;
  /** Continue this session; a new one is created when absent. */
  sessionId?: string;
  overrides?: ModelOverrides;
  /** Flag-level limits; they override config.limits. */
  limits?: { maxSteps?: number; maxCost?: number; maxTokens?: number; maxWallSeconds?: number };
  /** Model call function; defaults to the real providers with retries and fallbacks. */
  stream?: StreamFn;
  exec?: ExecBackend;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Non-fatal problems found while building the context (e.g. a skipped skill). */
  onWarning?: (message: string) => void;
}

export interface StartedTask {
  sessionId: string;
  model: ModelSpec;
  run: AgentRun;
}

/** Safety net when neither config nor flags set a step limit. */
export const DEFAULT_MAX_STEPS = 50;

/** Resolves everything, creates or reopens the session, and starts the run. */
export async function startTask(opts: TaskOptions): Promise<StartedTask> {
  const env = opts.env ?? process.env;
  const { primary, fallbacks } = resolveModels(opts.config, env, opts.overrides);
  const stream =
    opts.stream ?? withRetries(streamModel, { ...defaultRetryPolicy, ...opts.config.retry }, fallbacks);
  const modelRef = `${primary.provider}/${primary.id}`;
  const { store } = opts;

  const sessionId =
    opts.sessionId ?? store.create({ workspace: opts.workspace, model: modelRef, title: opts.input });
  const history = opts.sessionId ? store.messages(sessionId) : [];
  // A crash mid-step can leave tool calls without results; answer them so the history stays valid.
  for (const call of danglingToolCalls(history)) {
    const repair: ToolResultMessage = {
      role: "toolResult",
      toolCallId: call.id,
      toolName: call.name,
      content:
        "Error: interrupted — the previous run stopped before this tool call finished. Check its effect before retrying.",
      isError: true,
      origin: "system",
    };
    store.append(sessionId, "message", repair);
    history.push(repair);
  }

  const { systemPrompt, tools } = await buildContext(opts);
  const input: Message = { role: "user", content: opts.input, origin: "owner" };
  store.markRunning(sessionId);
  store.append(sessionId, "run_start", { model: modelRef, workspace: opts.workspace, systemPrompt });
  store.append(sessionId, "message", input);

  const limits = { ...opts.config.limits, ...definedOnly(opts.limits ?? {}) };
  const budget: Budget = {
    maxSteps: limits.maxSteps ?? DEFAULT_MAX_STEPS,
    ...(limits.maxCost !== undefined ? { maxCost: limits.maxCost } : {}),
    ...(limits.maxTokens !== undefined ? { maxTokens: limits.maxTokens } : {}),
    ...(limits.maxWallSeconds !== undefined ? { maxWallMs: limits.maxWallSeconds * 1000 } : {}),
  };
  // The journal can stop the loop if the store fails: an unrecorded run must not go on acting.
  const stop = new AbortController();
  if (opts.signal?.aborted) stop.abort();
  opts.signal?.addEventListener("abort", () => stop.abort(), { once: true });
  const inner = runAgentLoop({
    model: primary,
    stream,
    systemPrompt,
    tools,
    messages: [...history, input],
    budget,
    signal: stop.signal,
  });
  return { sessionId, model: primary, run: journal(inner, store, sessionId, modelRef, stop) };
}

/** Forwards the loop's events, writing each message and the run's end to the session first. */
function journal(
  inner: AgentRun,
  store: SessionStore,
  sessionId: string,
  model: string,
  stop: AbortController,
): AgentRun {
  const out = new EventStream<AgentEvent, RunResult>();
  void (async () => {
    let failure: string | undefined;
    for await (const ev of inner) {
      if (failure) continue; // drain what the aborted loop still emits
      try {
        if (ev.type === "message") store.append(sessionId, "message", ev.message);
        if (ev.type === "run_end") {
          const r = ev.result;
          const { status, limit, reason, steps, toolCalls, usage, durationMs } = r;
          store.append(sessionId, "run_end", { status, limit, reason, steps, toolCalls, usage, durationMs });
          store.recordRun(sessionId, { status, steps, toolCalls, usage, model });
        }
      } catch (err) {
        failure = `could not write session ${sessionId}: ${describeError(err)}`;
        stop.abort();
        continue;
      }
      out.push(ev);
    }
    const result = await inner.result;
    if (failure) {
      const failed: RunResult = { ...result, status: "error", reason: failure };
      out.push({ type: "run_end", result: failed });
      out.end(failed);
    } else out.end(result);
  })();
  return out;
}

async function buildContext(opts: TaskOptions): Promise<{ systemPrompt: string; tools: Tool[] }> {
  const agentsFile = path.join(opts.workspace, "AGENTS.md");
  const agentsMd = existsSync(agentsFile) ? readFileSync(agentsFile, "utf8") : undefined;
  const scan = await discoverSkills([path.join(opts.workspace, "skills"), path.join(opts.home, "skills")]);
  for (const w of scan.warnings) opts.onWarning?.(w);
  const tools = createWorkspaceTools({
    root: opts.workspace,
    ...(opts.exec ? { exec: opts.exec } : {}),
    ...(opts.config.exec ? { execDefaults: opts.config.exec } : {}),
  });
  if (scan.skills.length > 0) tools.push(createSkillTool(scan.skills));
  return { systemPrompt: buildSystemPrompt({ agentsMd, skills: scan.skills }), tools };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
