// `ratchet chat`: an interactive session. Each line is a run in the same session; Ctrl-C stops
// the current run, Ctrl-D or /exit leaves. On a terminal, a call that needs approval asks right
// here and the next line typed answers it; with piped input, such calls are held instead.
import readline from "node:readline";
import { nonInteractiveApprover } from "../policy/approvals.js";
import { createPromptApprover } from "./approver-prompt.js";
import { openContext } from "./context.js";
import { LineReader } from "./line-reader.js";
import { createRenderer } from "./render.js";
import { heldNote, isHeld, openApprovals, type RunFlags, start } from "./run-command.js";

/** Runs the chat loop until the user leaves; returns the exit code. */
export async function chatCommand(flags: RunFlags): Promise<number> {
  const ctx = openContext();
  const approvals = openApprovals(ctx);
  const rl = readline.createInterface({ input: process.stdin, terminal: process.stdin.isTTY === true });
  const lines = new LineReader(rl);
  let current: AbortController | undefined;
  let asking = false;
  rl.on("SIGINT", () => {
    if (asking) lines.interrupt(); // Ctrl-C at an approval question: no
    if (current && !current.signal.aborted) current.abort();
    else rl.close();
  });
  const approver =
    process.stdin.isTTY === true
      ? createPromptApprover(async (question) => {
          process.stderr.write(question);
          asking = true;
          try {
            return await lines.next();
          } finally {
            asking = false;
          }
        })
      : nonInteractiveApprover;
  let session = flags.session;
  const prompt = () => process.stderr.write("> ");
  process.stderr.write(`ratchet chat${session ? ` (session ${session})` : ""} — /exit to leave\n`);
  const render = createRenderer(process.stdout, process.stderr);
  try {
    prompt();
    // Lines typed (or piped) while a run is still going wait in the reader.
    for (let line = await lines.next(); line !== undefined; line = await lines.next()) {
      const text = line.trim();
      if (text === "/exit" || text === "/quit") break;
      if (text !== "") {
        current = new AbortController();
        const started = await start(ctx, text, { ...flags, session }, current.signal, {
          approver,
          approvals,
        });
        session = started.sessionId;
        let held = 0;
        for await (const ev of started.run) {
          render(ev);
          if (isHeld(ev)) held++;
        }
        if (held > 0) process.stderr.write(heldNote(held, started.sessionId));
        current = undefined;
      }
      prompt();
    }
    process.stderr.write(`\n${session ? `session: ${session}\n` : ""}`);
    return 0;
  } finally {
    rl.close();
    approvals.close();
    ctx.store.close();
  }
}
