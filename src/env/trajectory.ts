// Records one attempt as a list of steps while it runs: the instruction, each model response
// (text, reasoning, tool calls, usage, model, timing) with the observations of its tool calls, and
// at the end the exit reason, reward and verifier output. Each finished step is appended to a JSON
// Lines file as it happens, so a crashed attempt still leaves what it did; exporters (atif.ts,
// chat-jsonl.ts) turn the finished record into interchange formats.
import { appendFileSync } from "node:fs";
import type { AgentEvent } from "../loop/events.js";
import type { TokenDetails, ToolSpec, Usage } from "../models/types.js";

export interface TrajectoryToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export interface TrajectoryObservation {
  callId: string;
  content: string;
  isError: boolean;
  durationMs?: number;
}

export interface TrajectoryStep {
  /** 1-based, in order. */
  stepId: number;
  /** ISO time the step started. */
  timestamp: string;
  source: "system" | "user" | "agent";
  message: string;
  reasoning?: string;
  /** "provider/model" that produced an agent step. */
  model?: string;
  toolCalls?: TrajectoryToolCall[];
  observations?: TrajectoryObservation[];
  usage?: Usage;
  durationMs?: number;
  /** Token ids and logprobs of an agent step, as the model server returned them (opt-in). */
  tokens?: TokenDetails;
  /**
   * Whether a trainer may learn from this step: true only for a complete response the model
   * generated. User, system and oracle steps, and failed or aborted responses, are not.
   */
  trainable?: boolean;
}

export interface Trajectory {
  sessionId: string;
  task: string;
  attempt: number;
  agent: { name: string; version: string; model?: string };
  systemPrompt?: string;
  tools: ToolSpec[];
  steps: TrajectoryStep[];
  startedAt: string;
  endedAt?: string;
  exitReason?: string;
  reward?: number;
  verifierOutput?: string;
}

/** Builds a Trajectory from agent events; `stepsFile` receives each step when it completes. */
export class TrajectoryRecorder {
  readonly trajectory: Trajectory;
  private stepStarted = Date.now();
  private pending?: TrajectoryStep;

  constructor(
    init: Omit<Trajectory, "steps" | "startedAt" | "tools"> & { tools?: ToolSpec[] },
    private readonly stepsFile?: string,
  ) {
    this.trajectory = { ...init, tools: init.tools ?? [], steps: [], startedAt: new Date().toISOString() };
  }

  /** Adds a finished step (user instruction, system note, or an oracle's whole run). */
  add(step: Omit<TrajectoryStep, "stepId" | "timestamp"> & { timestamp?: string }): void {
    this.flush();
    this.commit({ stepId: 0, timestamp: new Date().toISOString(), ...step });
  }

  /** Feeds one event of the agent run. */
  onEvent(ev: AgentEvent): void {
    if (ev.type === "step_start") this.stepStarted = Date.now();
    else if (ev.type === "message" && ev.message.role === "assistant") {
      this.flush();
      const m = ev.message;
      const text = m.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("");
      const reasoning = m.content.flatMap((b) => (b.type === "thinking" ? [b.thinking] : [])).join("");
      const calls = m.content.flatMap((b) =>
        b.type === "toolCall" ? [{ id: b.id, name: b.name, arguments: b.arguments }] : [],
      );
      this.pending = {
        stepId: 0,
        timestamp: new Date(this.stepStarted).toISOString(),
        source: "agent",
        message: m.errorMessage && !text ? `[error] ${m.errorMessage}` : text,
        ...(reasoning ? { reasoning } : {}),
        model: m.model,
        ...(calls.length > 0 ? { toolCalls: calls } : {}),
        usage: m.usage,
        durationMs: Date.now() - this.stepStarted,
        ...(m.tokens ? { tokens: m.tokens } : {}),
        trainable: m.stopReason !== "error" && m.stopReason !== "aborted",
      };
      if (calls.length === 0) this.flush();
    } else if (ev.type === "tool_end" && this.pending) {
      this.pending.observations = this.pending.observations ?? [];
      this.pending.observations.push({
        callId: ev.result.toolCallId,
        content: ev.result.content,
        isError: ev.result.isError,
        durationMs: ev.durationMs,
      });
      if (this.pending.observations.length >= (this.pending.toolCalls?.length ?? 0)) this.flush();
    } else if (ev.type === "run_end") this.flush();
  }

  /** Closes the record with how the attempt ended. */
  finish(end: { exitReason: string; reward?: number; verifierOutput?: string }): Trajectory {
    this.flush();
    Object.assign(this.trajectory, { endedAt: new Date().toISOString(), ...end });
    return this.trajectory;
  }

  private flush(): void {
    const p = this.pending;
    this.pending = undefined;
    if (p) this.commit(p);
  }

  private commit(step: TrajectoryStep): void {
    step.stepId = this.trajectory.steps.length + 1;
    this.trajectory.steps.push(step);
    if (this.stepsFile) appendFileSync(this.stepsFile, `${JSON.stringify(step)}\n`);
  }
}

/** Sum of the agent steps' usage. */
export function totalUsage(t: Trajectory): { input: number; output: number; cached: number; cost: number } {
  const out = { input: 0, output: 0, cached: 0, cost: 0 };
  for (const s of t.steps) {
    if (!s.usage) continue;
    out.input += s.usage.input + s.usage.cacheRead + s.usage.cacheWrite;
    out.output += s.usage.output;
    out.cached += s.usage.cacheRead;
    out.cost += s.usage.cost.total;
  }
  return out;
}
