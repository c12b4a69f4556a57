// Runs one task in a session: builds the context (prompt, AGENTS.md, skills, tools), runs the
// loop, and journals every message as it happens. Consumers read the same event stream.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { type AgentRun, type Budget, type LoopConfig, runAgentLoop } from "../loop/agent-loop.js";
import { EventStream } from "../loop/event-stream.js";
import type { AgentEvent, RunResult } from "../loop/events.js";
import { type AnyTool, type Tool, toolSpec } from "../loop/tool.js";
import { streamModel } from "../models/index.js";
import { defaultRetryPolicy, withRetries } from "../models/retry.js";
import type { Message, ModelSpec, Origin, StreamFn, ToolResultMessage, ToolSpec } from "../models/types.js";
import type { ApprovalLedger, Approver } from "../policy/approvals.js";
import { analyzeCommand } from "../policy/command-analysis.js";
import { createRedactor, type Redactor, type Secret, secretsFromEnv } from "../policy/redact.js";
import { createToolPolicy } from "../policy/tool-policy.js";
import type { ExecBackend } from "../tools/exec-backend.js";
import { createWorkspaceTools } from "../tools/index.js";
import { describeError } from "../util/errors.js";
import type { RatchetConfig } from "./config.js";
import { createExecBackend, sandboxOff, UNSANDBOXED_RULE } from "./exec-setup.js";
import { createRunMemory, type RunMemory } from "./memory-setup.js";
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
  /** Who answers approvals; default: nobody (asked calls are held and refused). */
  approver?: Approver;
  /** Where held calls wait and out-of-band answers are found. */
  approvals?: ApprovalLedger;
  /** What the model is told to do about a held call (e.g. name the CLI command that approves it). */
  holdHint?: (hash: string) => string;
  /** Tools beside the workspace tools (channel senders, memory…); they declare their own effects. */
  extraTools?: AnyTool[];
  /** Extra fields recorded in the run_start entry (e.g. the gateway's inbound message id). */
  runMeta?: Record<string, unknown>;
  /** Continue the session after a crash without appending `input` (it is already in the history). */
  resume?: boolean;
  /** Queued input that interrupts the current step (checked after each tool call); see LoopConfig. */
  getSteeringMessages?: LoopConfig["getSteeringMessages"];
  /** Queued input that continues the run when the agent would otherwise stop; see LoopConfig. */
  getFollowUpMessages?: LoopConfig["getFollowUpMessages"];
}

export interface StartedTask {
  sessionId: string;
  model: ModelSpec;
  run: AgentRun;
  /** Redacts this run's secrets; the events of `run` are already redacted with it. */
  redactor: Redactor;
  /** What the model is given besides the messages (trajectory exports record them). */
  systemPrompt: string;
  tools: ToolSpec[];
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
  const redactor = createRedactor(runSecrets(opts.config, env, [primary, ...fallbacks]));

  const sessionId =
    opts.sessionId ??
    store.create({ workspace: opts.workspace, model: modelRef, title: redactor.text(opts.input) });
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

  const memory = createRunMemory({ ...opts, store, env });
  // Commands run in the sandbox unless the caller brings its own backend (tests, the daemon's wrapper).
  const ownExec = opts.exec ? undefined : createExecBackend(opts.config, opts.workspace, opts.home);
  const exec = opts.exec ?? ownExec!;
  const { systemPrompt, tools, untrustedPrompt } = await buildContext({
    ...opts,
    exec,
    ...(memory ? { extraTools: [...memory.tools, ...(opts.extraTools ?? [])] } : {}),
  });
  const input: Message = { role: "user", content: opts.input, origin: "owner" };
  store.markRunning(sessionId);
  store.append(
    sessionId,
    "run_start",
    redactor.deep({ model: modelRef, workspace: opts.workspace, systemPrompt, ...opts.runMeta }),
  );
  if (!opts.resume) store.append(sessionId, "message", redactor.deep(input));
  const trustWorkspace = opts.config.policy?.trustWorkspace === true;
  const policy = createToolPolicy({
    tools,
    rules: [...(sandboxOff(opts.config) ? [UNSANDBOXED_RULE] : []), ...(opts.config.policy?.rules ?? [])],
    approvals: opts.config.policy?.approvals ?? "prompt",
    ...(opts.approver ? { approver: opts.approver } : {}),
    ...(opts.approvals ? { ledger: opts.approvals } : {}),
    ...(opts.holdHint ? { holdHint: opts.holdHint } : {}),
    sessionId,
    redactor,
    root: opts.workspace,
    trustedText: trustWorkspace ? [systemPrompt] : [],
    initialTaint: untrustedPrompt && !trustWorkspace ? ["file"] : [],
  });

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
    messages: opts.resume ? history : [...history, input],
    budget,
    signal: stop.signal,
    beforeToolCall: policy.beforeToolCall,
    afterToolCall: policy.afterToolCall,
    ...(opts.getSteeringMessages ? { getSteeringMessages: opts.getSteeringMessages } : {}),
    ...(opts.getFollowUpMessages ? { getFollowUpMessages: opts.getFollowUpMessages } : {}),
    ...withCompaction(memory, { sessionId, model: primary, stream, systemPrompt, tools }),
  });
  void inner.result.finally(() => {
    memory?.close();
    void ownExec?.close();
  });
  return {
    sessionId,
    model: primary,
    run: journal(inner, { store, sessionId, model: modelRef, stop, redactor }),
    redactor,
    systemPrompt: redactor.text(systemPrompt),
    tools: tools.map(toolSpec),
  };
}

/**
 * Secrets of this run: secret-named environment variables, keys in the config file (and the
 * variables they name), and the resolved models' keys. None of them reaches exec: the backends
 * start from a minimal environment (PATH, HOME, LANG, TERM). Skills cannot yet declare variables
 * they need passed through (a `env: [NAME]` front-matter list is the planned shape).
 */
function runSecrets(config: RatchetConfig, env: NodeJS.ProcessEnv, models: ModelSpec[]): Secret[] {
  const out = secretsFromEnv(env);
  for (const [name, p] of Object.entries(config.providers ?? {})) {
    if (p.apiKey) out.push({ name: `providers.${name}.apiKey`, value: p.apiKey });
    const fromEnv = p.apiKeyEnv ? env[p.apiKeyEnv] : undefined;
    if (p.apiKeyEnv && fromEnv) out.push({ name: p.apiKeyEnv, value: fromEnv });
  }
  for (const m of models) if (m.apiKey) out.push({ name: `${m.provider} apiKey`, value: m.apiKey });
  return out;
}

/**
 * Forwards the loop's events, writing each message and the run's end to the session first. What is
 * stored and what consumers see is redacted; the loop keeps the originals (the model may need the
 * owner's own words verbatim).
 */
function journal(
  inner: AgentRun,
  j: { store: SessionStore; sessionId: string; model: string; stop: AbortController; redactor: Redactor },
): AgentRun {
  const { store, sessionId, model, stop, redactor } = j;
  const out = new EventStream<AgentEvent, RunResult>();
  void (async () => {
    let failure: string | undefined;
    for await (const ev of inner) {
      if (failure) continue; // drain what the aborted loop still emits
      try {
        if (ev.type === "message") store.append(sessionId, "message", redactor.deep(ev.message));
        if (ev.type === "run_end") {
          const r = ev.result;
          const { status, limit, reason, steps, toolCalls, usage, durationMs } = r;
          store.append(
            sessionId,
            "run_end",
            redactor.deep({ status, limit, reason, steps, toolCalls, usage, durationMs }),
          );
          store.recordRun(sessionId, { status, steps, toolCalls, usage, model });
        }
      } catch (err) {
        failure = `could not write session ${sessionId}: ${describeError(err)}`;
        stop.abort();
        continue;
      }
      out.push(redactor.deep(ev));
    }
    const result = redactor.deep(await inner.result);
    if (failure) {
      const failed: RunResult = { ...result, status: "error", reason: failure };
      out.push({ type: "run_end", result: failed });
      out.end(failed);
    } else out.end(result);
  })();
  return out;
}

/** The prompt and tools; `untrustedPrompt` when the prompt holds workspace-supplied text (AGENTS.md, skills). */
async function buildContext(
  opts: TaskOptions,
): Promise<{ systemPrompt: string; tools: Tool[]; untrustedPrompt: boolean }> {
  const agentsFile = path.join(opts.workspace, "AGENTS.md");
  const agentsMd = existsSync(agentsFile) ? readFileSync(agentsFile, "utf8") : undefined;
  const scan = await discoverSkills([path.join(opts.workspace, "skills"), path.join(opts.home, "skills")]);
  for (const w of scan.warnings) opts.onWarning?.(w);
  const tools = createWorkspaceTools({
    root: opts.workspace,
    ...(opts.exec ? { exec: opts.exec } : {}),
    ...(opts.config.exec ? { execDefaults: opts.config.exec } : {}),
    execEffects: (args) => analyzeCommand(args.command, { root: opts.workspace }).effects,
  });
  // Workspace skills may come with a cloned repository: their bodies are file content unless trusted.
  const trusted = opts.config.policy?.trustWorkspace === true;
  const inWorkspace = (file: string) => file.startsWith(opts.workspace + path.sep);
  const originOf = (file: string): Origin => (!trusted && inWorkspace(file) ? "file" : "tool");
  if (scan.skills.length > 0) tools.push(createSkillTool(scan.skills, (s) => originOf(s.file)));
  tools.push(...(opts.extraTools ?? []));
  const untrustedPrompt = agentsMd !== undefined || scan.skills.some((s) => inWorkspace(s.file));
  return {
    systemPrompt: buildSystemPrompt({
      agentsMd,
      skills: scan.skills,
      memory: tools.some((t) => t.name === "memory_search"),
    }),
    tools,
    untrustedPrompt,
  };
}

/** The compaction transform, sized by what every request carries besides the messages. */
function withCompaction(
  memory: RunMemory | undefined,
  o: { sessionId: string; model: ModelSpec; stream: StreamFn; systemPrompt: string; tools: AnyTool[] },
) {
  const fixedChars = o.systemPrompt.length + JSON.stringify(o.tools.map(toolSpec)).length;
  const transformContext = memory?.compactor({ ...o, fixedChars });
  return transformContext ? { transformContext } : {};
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
