// Exports a trajectory in Harbor's Agent Trajectory Interchange Format (ATIF v1.4): the session,
// the agent, and one entry per step (user instruction, agent turns with tool calls and their
// observations, per-step token and cost metrics), plus totals. Ratchet-specific facts (task,
// attempt, reward, exit reason) go in `extra`. Token-level details, when the model server sent
// them (`--token-ids`), go where ATIF v1.4 puts them (each agent step's metrics.prompt_token_ids,
// completion_token_ids, logprobs) and, as Harbor's `rollout_details` (one linear segment with a
// per-turn list of each), in the root `extra`, whose per-turn `extra.step_id` names the steps.
// Every step says in `extra.trainable` whether a trainer may learn from it.
import { type Trajectory, type TrajectoryStep, totalUsage } from "./trajectory.js";

/** Harbor's RolloutDetail: per-turn lists, aligned; a key is present only when some turn has it. */
export interface RolloutDetail {
  prompt_token_ids?: number[][];
  completion_token_ids?: number[][];
  logprobs?: number[][];
  extra: { step_id: number[] };
}

/** The trainable turns that carry token details, as one Harbor rollout segment (or none). */
export function rolloutDetails(t: Trajectory): RolloutDetail[] {
  const turns = t.steps.filter((s) => s.trainable && s.tokens);
  if (turns.length === 0) return [];
  const list = (key: "promptIds" | "completionIds" | "logprobs") =>
    turns.some((s) => s.tokens?.[key]) ? turns.map((s) => s.tokens?.[key] ?? []) : undefined;
  const prompt = list("promptIds");
  const completion = list("completionIds");
  const logprobs = list("logprobs");
  return [
    {
      ...(prompt ? { prompt_token_ids: prompt } : {}),
      ...(completion ? { completion_token_ids: completion } : {}),
      ...(logprobs ? { logprobs } : {}),
      extra: { step_id: turns.map((s) => s.stepId) },
    },
  ];
}

/** ATIF v1.4 metrics of an agent step: token counts, cost, and token details when present. */
function metrics(s: TrajectoryStep): Record<string, unknown> | undefined {
  if (!s.usage) return undefined;
  return {
    prompt_tokens: s.usage.input + s.usage.cacheRead + s.usage.cacheWrite,
    completion_tokens: s.usage.output,
    cached_tokens: s.usage.cacheRead,
    cost_usd: s.usage.cost.total,
    ...(s.tokens?.promptIds ? { prompt_token_ids: s.tokens.promptIds } : {}),
    ...(s.tokens?.completionIds ? { completion_token_ids: s.tokens.completionIds } : {}),
    ...(s.tokens?.logprobs ? { logprobs: s.tokens.logprobs } : {}),
  };
}

export const ATIF_SCHEMA_VERSION = "ATIF-v1.4";

export function toAtif(t: Trajectory): Record<string, unknown> {
  const u = totalUsage(t);
  const rollout = rolloutDetails(t);
  return {
    schema_version: ATIF_SCHEMA_VERSION,
    session_id: t.sessionId,
    agent: {
      name: t.agent.name,
      version: t.agent.version,
      model_name: t.agent.model ?? "none",
      ...(t.tools.length > 0 ? { extra: { tools: t.tools } } : {}),
    },
    steps: t.steps.map((s) => ({
      step_id: s.stepId,
      timestamp: s.timestamp,
      source: s.source,
      ...(s.model ? { model_name: s.model } : {}),
      message: s.message,
      ...(s.reasoning ? { reasoning_content: s.reasoning } : {}),
      ...(s.toolCalls
        ? {
            tool_calls: s.toolCalls.map((c) => ({
              tool_call_id: c.id,
              function_name: c.name,
              arguments: c.arguments,
            })),
          }
        : {}),
      ...(s.observations
        ? {
            observation: {
              results: s.observations.map((r) => ({ source_call_id: r.callId, content: r.content })),
            },
          }
        : {}),
      ...(s.usage ? { metrics: metrics(s) } : {}),
      extra: {
        ...(s.durationMs !== undefined ? { duration_ms: s.durationMs } : {}),
        trainable: s.trainable === true,
      },
    })),
    final_metrics: {
      total_prompt_tokens: u.input,
      total_completion_tokens: u.output,
      total_cached_tokens: u.cached,
      total_cost_usd: u.cost,
      total_steps: t.steps.length,
    },
    extra: {
      task: t.task,
      attempt: t.attempt,
      started_at: t.startedAt,
      ...(t.endedAt ? { ended_at: t.endedAt } : {}),
      exit_reason: t.exitReason ?? null,
      reward: t.reward ?? null,
      ...(t.verifierOutput !== undefined ? { verifier_output: t.verifierOutput } : {}),
      ...(rollout.length > 0 ? { rollout_details: rollout } : {}),
    },
  };
}
