// Human-readable rendering of a run's events: streaming text to stdout, tool calls and status
// to stderr (so stdout stays the agent's answer). Colours only on a TTY.
import type { AgentEvent, RunResult } from "../loop/events.js";
import type { ToolCallBlock } from "../models/types.js";

export interface Writer {
  write(s: string): unknown;
  isTTY?: boolean;
}

const style = (on: boolean) => ({
  dim: (s: string) => (on ? `\x1b[2m${s}\x1b[22m` : s),
  red: (s: string) => (on ? `\x1b[31m${s}\x1b[39m` : s),
  green: (s: string) => (on ? `\x1b[32m${s}\x1b[39m` : s),
  cyan: (s: string) => (on ? `\x1b[36m${s}\x1b[39m` : s),
});

/** Returns an event handler that renders to `out` (answer text) and `err` (activity). */
export function createRenderer(out: Writer, err: Writer): (ev: AgentEvent) => void {
  const c = style(err.isTTY === true);
  let midLine = false;
  const endLine = () => {
    if (midLine) out.write("\n");
    midLine = false;
  };
  return (ev) => {
    switch (ev.type) {
      case "model":
        if (ev.event.type === "text_delta") {
          out.write(ev.event.delta);
          midLine = !ev.event.delta.endsWith("\n");
        } else if (ev.event.type === "retry") {
          endLine();
          const what =
            ev.event.attempt === 0
              ? `falling back to ${ev.event.model}`
              : `retry ${ev.event.attempt} in ${(ev.event.delayMs / 1000).toFixed(1)}s`;
          err.write(c.dim(`↻ ${what} (${oneLine(ev.event.error, 120)})\n`));
        }
        break;
      case "tool_start":
        endLine();
        err.write(c.cyan(`● ${ev.call.name}`) + c.dim(` ${summariseArgs(ev.call)}`) + "\n");
        break;
      case "tool_end": {
        const first = oneLine(ev.result.content, 100);
        err.write(ev.result.isError ? c.red(`  ✗ ${first}\n`) : c.dim(`  ✓ ${first}\n`));
        break;
      }
      case "run_end":
        endLine();
        err.write(c.dim(`${summary(ev.result)}\n`));
        break;
    }
  };
}

/** One-line status for the end of a run. */
export function summary(r: RunResult): string {
  const status =
    r.status === "completed"
      ? "done"
      : r.status === "limit"
        ? `stopped: ${r.reason}`
        : `${r.status}: ${r.reason ?? ""}`;
  const tokens =
    r.usage.totalTokens >= 1000 ? `${(r.usage.totalTokens / 1000).toFixed(1)}k` : String(r.usage.totalTokens);
  const calls = `${r.toolCalls} tool call${r.toolCalls === 1 ? "" : "s"}`;
  return `${status} · ${r.steps} step${r.steps === 1 ? "" : "s"} · ${calls} · ${tokens} tokens · $${r.usage.cost.total.toFixed(4)} · ${(r.durationMs / 1000).toFixed(1)}s`;
}

function summariseArgs(call: ToolCallBlock): string {
  if (call.invalidArguments !== undefined) return oneLine(call.invalidArguments, 80);
  const a = call.arguments;
  const main = a.path ?? a.command ?? a.pattern ?? a.name;
  return typeof main === "string" ? oneLine(main, 100) : oneLine(JSON.stringify(a), 100);
}

function oneLine(s: string, max: number): string {
  const line = s.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
