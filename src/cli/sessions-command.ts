// `ratchet sessions list|show`: read sessions from the store.
import type { Message } from "../models/types.js";
import type { SessionSummary } from "../runtime/session-store.js";
import { openContext } from "./context.js";

/** Lists sessions, most recent first. */
export function sessionsList(flags: { json?: boolean; limit?: number }): number {
  const ctx = openContext();
  try {
    const sessions = ctx.store.list(flags.limit ?? 50);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(sessions)}\n`);
      return 0;
    }
    if (sessions.length === 0) {
      process.stdout.write('No sessions yet. Start one with: ratchet run "…"\n');
      return 0;
    }
    for (const s of sessions) process.stdout.write(`${line(s)}\n`);
    return 0;
  } finally {
    ctx.store.close();
  }
}

/** Prints one session's transcript. */
export function sessionsShow(id: string, flags: { json?: boolean }): number {
  const ctx = openContext();
  try {
    const session = ctx.store.get(id);
    const entries = ctx.store.entries(id);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ session, entries })}\n`);
      return 0;
    }
    process.stdout.write(`${line(session)}\nworkspace: ${session.workspace}\n\n`);
    for (const e of entries) {
      if (e.kind === "message") process.stdout.write(`${render(e.data as Message)}\n`);
      else if (e.kind === "run_end") {
        const d = e.data as { status: string; reason?: string };
        process.stdout.write(`── run ${d.status}${d.reason ? `: ${d.reason}` : ""}\n\n`);
      }
    }
    return 0;
  } finally {
    ctx.store.close();
  }
}

function line(s: SessionSummary): string {
  const when = new Date(s.updatedAt).toISOString().replace("T", " ").slice(0, 16);
  const title = s.title.replace(/\s+/g, " ").slice(0, 60);
  return `${s.id}  ${when}  ${s.status.padEnd(9)} ${String(s.steps).padStart(3)} steps  $${s.usage.cost.total.toFixed(4)}  ${s.model}  ${title}`;
}

function render(m: Message): string {
  if (m.role === "user") return `user: ${m.content}`;
  if (m.role === "toolResult") return `  ${m.isError ? "✗" : "✓"} ${m.toolName}: ${clip(m.content)}`;
  const parts = m.content.map((b) =>
    b.type === "text"
      ? `assistant: ${b.text}`
      : b.type === "thinking"
        ? `  (thinking) ${clip(b.thinking)}`
        : `  → ${b.name} ${clip(b.invalidArguments ?? JSON.stringify(b.arguments))}`,
  );
  if (m.stopReason === "error") parts.push(`  ! ${m.errorMessage ?? "error"}`);
  return parts.join("\n");
}

function clip(s: string, max = 300): string {
  const t = s.length > max ? `${s.slice(0, max)}…` : s;
  return t.replace(/\n/g, "\n    ");
}
