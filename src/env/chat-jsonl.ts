// Exports a trajectory as one OpenAI chat-format line for supervised fine-tuning:
// {"messages": [system, user, assistant (with tool_calls), tool results…], "tools": [...]}.
// Tool results follow the assistant message that called them, in call order.
import type { Trajectory } from "./trajectory.js";

export function toChatRecord(t: Trajectory): { messages: Record<string, unknown>[]; tools: unknown[] } {
  const messages: Record<string, unknown>[] = [];
  if (t.systemPrompt) messages.push({ role: "system", content: t.systemPrompt });
  for (const s of t.steps) {
    if (s.source !== "agent") {
      messages.push({ role: s.source === "user" ? "user" : "system", content: s.message });
      continue;
    }
    messages.push({
      role: "assistant",
      content: s.message,
      ...(s.toolCalls?.length
        ? {
            tool_calls: s.toolCalls.map((c) => ({
              id: c.id,
              type: "function",
              function: { name: c.name, arguments: JSON.stringify(c.arguments) },
            })),
          }
        : {}),
    });
    for (const o of s.observations ?? [])
      messages.push({ role: "tool", tool_call_id: o.callId, content: o.content });
  }
  const tools = t.tools.map((f) => ({
    type: "function",
    function: { name: f.name, description: f.description, parameters: f.parameters },
  }));
  return { messages, tools };
}

/** The JSONL text (one line, newline-terminated). */
export function toChatJsonl(t: Trajectory): string {
  return `${JSON.stringify(toChatRecord(t))}\n`;
}
