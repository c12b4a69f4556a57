// Exports a trajectory in Harbor's Agent Trajectory Interchange Format (ATIF v1.4): the session,
// the agent, and one entry per step (user instruction, agent turns with tool calls and their
// observations, per-step token and cost metrics), plus totals. Ratchet-specific facts (task,
// attempt, reward, exit reason) go in `extra`. Token-level rollout details are not exported:
// the runtime does not keep token ids or logprobs.
import { type Trajectory, totalUsage } from "./trajectory.js";

export const ATIF_SCHEMA_VERSION = "ATIF-v1.4";

export function toAtif(t: Trajectory): Record<string, unknown> {
  const u = totalUsage(t);
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
      ...(s.usage
        ? {
            metrics: {
              prompt_tokens: s.usage.input + s.usage.cacheRead + s.usage.cacheWrite,
              completion_tokens: s.usage.output,
              cached_tokens: s.usage.cacheRead,
              cost_usd: s.usage.cost.total,
            },
          }
        : {}),
      ...(s.durationMs !== undefined ? { extra: { duration_ms: s.durationMs } } : {}),
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
    },
  };
}
