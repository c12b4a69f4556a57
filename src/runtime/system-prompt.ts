// The system prompt: short, and a pure function of stable inputs (no time, no ids), so every
// request of a session starts with the same bytes and prompt/KV caches hit.
import type { Skill } from "./skills.js";

/** Cap on AGENTS.md bytes placed in the prompt; the agent can read the rest with the read tool. */
export const MAX_AGENTS_MD = 16_000;

const BASE = `You are Ratchet, an agent that completes tasks in a workspace using tools.
Paths are relative to the workspace root. Act with tools rather than describing what you would do.
Before saying a task is done, check the result (read the file, run the test). If you could not do something, say so plainly.
Keep replies short.`;

const MEMORY = `Before answering about past conversations, decisions, preferences or dates, search memory (memory_search).
Save facts worth keeping (preferences, decisions, commitments) with memory_write.`;

export interface PromptInputs {
  /** Contents of the workspace's AGENTS.md, if any. */
  agentsMd?: string;
  skills: Skill[];
  /** The memory tools are offered. */
  memory?: boolean;
}

/** Builds the system prompt from stable inputs only. */
export function buildSystemPrompt(inputs: PromptInputs): string {
  const parts = [inputs.memory ? `${BASE}\n${MEMORY}` : BASE];
  if (inputs.agentsMd && inputs.agentsMd.trim() !== "") {
    let text = inputs.agentsMd.trim();
    if (text.length > MAX_AGENTS_MD)
      text = `${text.slice(0, MAX_AGENTS_MD)}\n[… AGENTS.md truncated; read it for the rest]`;
    parts.push(`# Workspace instructions (AGENTS.md)\n${text}`);
  }
  if (inputs.skills.length > 0) {
    const lines = inputs.skills.map((s) => `- ${s.name}: ${s.description}`);
    parts.push(`# Skills\nBefore a task a skill covers, load it with the skill tool.\n${lines.join("\n")}`);
  }
  return parts.join("\n\n");
}
