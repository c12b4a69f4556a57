// Typed events and the final result of one agent run. Every consumer (CLI, gateway, web page,
// trajectory recorder, tests) reads this same stream.
import type {
  AssistantMessage,
  Message,
  ModelEvent,
  ToolCallBlock,
  ToolResultMessage,
  Usage,
} from "../models/types.js";

/** Why a run ended. The CLI maps each to a distinct exit code. */
export type ExitStatus = "completed" | "limit" | "aborted" | "error";

/** Which budget ended a run with status "limit". */
export type LimitKind = "steps" | "tokens" | "cost" | "time" | "stop_condition";

export type AgentEvent =
  | { type: "run_start" }
  | { type: "step_start"; step: number }
  | { type: "model"; step: number; event: Exclude<ModelEvent, { type: "done" }> }
  | { type: "message"; message: Message }
  | { type: "tool_start"; call: ToolCallBlock }
  | { type: "tool_end"; call: ToolCallBlock; result: ToolResultMessage; durationMs: number }
  | { type: "step_end"; step: number; message: AssistantMessage }
  | { type: "run_end"; result: RunResult };

export interface RunResult {
  status: ExitStatus;
  /** Set when status is "limit". */
  limit?: LimitKind;
  /** Human-readable reason for any status other than "completed". */
  reason?: string;
  /** Text of the last assistant message. */
  finalText: string;
  /** Messages appended during this run (the input history is not repeated). */
  messages: Message[];
  /** Model calls made. */
  steps: number;
  toolCalls: number;
  usage: Usage;
  durationMs: number;
}
