// Executes one tool call. Every failure — unknown tool, malformed or invalid arguments, a hook's
// refusal, an exception inside the tool — becomes an error result the model can read and react to.
import type { Message, Origin, ToolCallBlock, ToolResultMessage } from "../models/types.js";
import { validate } from "../util/json-schema.js";
import type { ToolGate } from "./agent-loop.js";
import { type AnyTool, ToolError } from "./tool.js";

const MAX_ERRORS_SHOWN = 5;

/** Runs `call` against `tools`; never throws. */
export async function executeToolCall(
  call: ToolCallBlock,
  tools: Map<string, AnyTool>,
  signal: AbortSignal,
  gate: ((call: ToolCallBlock, messages: readonly Message[]) => Promise<ToolGate>) | undefined,
  messages: readonly Message[],
): Promise<ToolResultMessage> {
  const result = (content: string, isError: boolean, origin: Origin = "tool"): ToolResultMessage => ({
    role: "toolResult",
    toolCallId: call.id,
    toolName: call.name,
    content,
    isError,
    origin,
  });
  const tool = tools.get(call.name);
  if (!tool) {
    const names = [...tools.keys()].join(", ");
    return result(`Error: unknown tool "${call.name}". Available tools: ${names}.`, true);
  }
  if (call.invalidArguments !== undefined) {
    const shown =
      call.invalidArguments.length > 200 ? `${call.invalidArguments.slice(0, 200)}…` : call.invalidArguments;
    return result(
      `Error: the arguments for ${call.name} were not a valid JSON object (received: ${shown}). ` +
        "Call the tool again with one JSON object matching its schema.",
      true,
    );
  }
  const problems = validate(tool.parameters, call.arguments)
    .slice(0, MAX_ERRORS_SHOWN)
    .map((p) => `${p.path || "(arguments)"}: ${p.message}`);
  if (problems.length > 0) {
    return result(
      `Error: invalid arguments for ${call.name}: ${problems.join("; ")}. ` +
        `Expected: ${JSON.stringify(tool.parameters)}`,
      true,
    );
  }
  try {
    const verdict = await gate?.(call, messages);
    if (verdict) return result(`Denied: ${verdict.deny}`, true);
    const output = await tool.execute(call.arguments, { toolCallId: call.id, signal });
    return result(output.content, output.isError ?? false, output.origin);
  } catch (err) {
    if (err instanceof ToolError) return result(`Error: ${err.message}`, true);
    const message = err instanceof Error ? err.message : String(err);
    return result(`Error: ${call.name} failed: ${message}`, true);
  }
}
