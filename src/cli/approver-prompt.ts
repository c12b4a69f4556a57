// Approvals at the terminal. The question goes to stderr ("Allow exec `curl …`? [y/N]") and the
// answer is read from the terminal itself: stdin when it is a TTY, else /dev/tty when stderr is one.
// Piped input never answers: a script or a file fed to Ratchet must not be able to say "y".
import { closeSync, createReadStream, openSync } from "node:fs";
import readline from "node:readline";
import { isatty } from "node:tty";
import type { ApprovalRequest, Approver } from "../policy/approvals.js";

/** Asks one question and resolves with the line typed, or undefined if the terminal closed or Ctrl-C. */
export type AskFn = (question: string) => Promise<string | undefined>;

/** An approver that asks through `ask`; only "y" or "yes" approves. */
export function createPromptApprover(
  ask: AskFn,
  out: { write(s: string): unknown } = process.stderr,
): Approver {
  return {
    interactive: true,
    async request(req) {
      // Let the renderer print the pending call (its event is still in flight) before the question.
      await new Promise((resolve) => setImmediate(resolve));
      out.write(`\n⚠ approval needed: ${req.reason}\n  call id ${req.hash.slice(0, 12)}\n`);
      const answer = await ask(`Allow ${describeCall(req)}? [y/N] `);
      return /^\s*y(es)?\s*$/i.test(answer ?? "") ? "approve" : "deny";
    },
  };
}

/** `exec \`curl …\`` or `write skills/x/SKILL.md` — the call in a few words. */
export function describeCall(req: Pick<ApprovalRequest, "tool" | "arguments">): string {
  const a = req.arguments;
  const main =
    typeof a.command === "string" ? a.command : typeof a.path === "string" ? a.path : JSON.stringify(a);
  const line = main.replace(/\s+/g, " ").trim();
  return `${req.tool} \`${line.length > 200 ? `${line.slice(0, 199)}…` : line}\``;
}

/**
 * An AskFn on the controlling terminal, or undefined when there is none that a person is watching
 * (tests, CI, pipes): then approvals cannot be given here and held calls wait for `ratchet approvals`.
 * Ctrl-C at the question answers no and interrupts the run as usual.
 */
export function terminalAsk(): AskFn | undefined {
  // isatty(fd) rather than process.stdin.isTTY: touching process.stdin builds a stream (~3 ms).
  if (isatty(0)) return (q) => askOn(process.stdin, q);
  if (!isatty(2)) return undefined;
  let fd: number;
  try {
    fd = openSync("/dev/tty", "r");
    closeSync(fd);
  } catch {
    return undefined;
  }
  return (q) => {
    const tty = createReadStream("/dev/tty");
    return askOn(tty, q).finally(() => tty.destroy());
  };
}

function askOn(input: NodeJS.ReadableStream, question: string): Promise<string | undefined> {
  const rl = readline.createInterface({ input, output: process.stderr, terminal: true });
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: string | undefined) => {
      if (done) return;
      done = true;
      rl.close();
      resolve(v);
    };
    rl.on("SIGINT", () => {
      finish(undefined);
      process.kill(process.pid, "SIGINT");
    });
    rl.on("close", () => finish(undefined));
    rl.question(question, (answer) => finish(answer));
  });
}
