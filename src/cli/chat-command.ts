// `ratchet chat`: an interactive session. Each line is a run in the same session; Ctrl-C stops
// the current run, Ctrl-D or /exit leaves.
import readline from "node:readline";
import { openContext } from "./context.js";
import { createRenderer } from "./render.js";
import { type RunFlags, start } from "./run-command.js";

/** Runs the chat loop until the user leaves; returns the exit code. */
export async function chatCommand(flags: RunFlags): Promise<number> {
  const ctx = openContext();
  const rl = readline.createInterface({ input: process.stdin, terminal: process.stdin.isTTY === true });
  let current: AbortController | undefined;
  rl.on("SIGINT", () => {
    if (current && !current.signal.aborted) current.abort();
    else rl.close();
  });
  let session = flags.session;
  const prompt = () => process.stderr.write("> ");
  process.stderr.write(`ratchet chat${session ? ` (session ${session})` : ""} — /exit to leave\n`);
  const render = createRenderer(process.stdout, process.stderr);
  try {
    prompt();
    // The line iterator buffers lines typed (or piped) while a run is still going.
    for await (const line of rl) {
      const text = line.trim();
      if (text === "/exit" || text === "/quit") break;
      if (text !== "") {
        current = new AbortController();
        const started = await start(ctx, text, { ...flags, session }, current.signal);
        session = started.sessionId;
        for await (const ev of started.run) render(ev);
        current = undefined;
      }
      prompt();
    }
    process.stderr.write(`\n${session ? `session: ${session}\n` : ""}`);
    return 0;
  } finally {
    rl.close();
    ctx.store.close();
  }
}
