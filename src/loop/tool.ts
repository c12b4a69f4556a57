// The tool contract: schema-first objects built by factories. The loop validates arguments
// against `parameters` (plain JSON Schema) before `execute`; anything a tool throws becomes an
// error result the model reads.
import type { Origin, ToolSpec } from "../models/types.js";
import type { JsonSchema } from "../util/json-schema.js";

export interface ToolContext {
  toolCallId: string;
  signal?: AbortSignal;
}

export interface ToolOutput {
  /** What the model reads. */
  content: string;
  isError?: boolean;
  /** Where the content came from (default "tool"); untrusted origins taint the context. */
  origin?: Origin;
}

/**
 * Consequential effects a call may have. Once untrusted content is in the context, calls with
 * any of these need arguments proven to come from trusted origins, or an approval.
 */
export type Effect =
  | "network"
  | "message_third_party"
  | "write_outside_workspace"
  | "install_skill"
  | "change_config";

/** A tool. `A` is the argument shape that `parameters` guarantees once validated. */
export interface Tool<A = Record<string, unknown>> {
  name: string;
  /** One or two sentences; every byte here is paid on every request. */
  description: string;
  parameters: JsonSchema;
  execute(args: A, ctx: ToolContext): Promise<ToolOutput>;
  /** The consequential effects of a call with these (validated) arguments; none when absent. */
  effects?(args: A): Effect[];
}

/** Any tool, whatever its argument type. */
// biome-ignore lint/suspicious/noExplicitAny: the loop only calls execute with validated arguments.
export type AnyTool = Tool<any>;

/** The model-facing part of a tool. Key order is fixed so the request prefix stays byte-identical. */
export function toolSpec(tool: AnyTool): ToolSpec {
  return { name: tool.name, description: tool.description, parameters: tool.parameters };
}

/** Thrown by tools for expected failures; the message goes to the model as is. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolError";
  }
}
