// The `ratchet` command line: flags, help and dispatch. Subcommands load their code on demand
// to keep start-up short.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { RatchetError } from "../util/errors.js";
import { EXIT } from "./exit-codes.js";

const positiveInt = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} needs a whole number ≥ 1.`);
  return n;
};
const positiveNumber = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} needs a number > 0.`);
  return n;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

function modelOptions(cmd: Command): Command {
  return cmd
    .option("-m, --model <provider/model>", "model to use, e.g. openai/gpt-4o-mini (env RATCHET_MODEL)")
    .option(
      "--base-url <url>",
      "model server URL, e.g. http://127.0.0.1:8000/v1 (env OPENAI_BASE_URL / ANTHROPIC_BASE_URL)",
    );
}

function runOptions(cmd: Command): Command {
  return modelOptions(cmd)
    .addOption(
      new Option("--header <name:value>", "extra HTTP header for model calls (repeatable)").argParser(
        collect,
      ),
    )
    .option("-w, --workspace <dir>", "folder the agent works in (default: current folder, or the session's)")
    .option("-s, --session <id>", "continue this session")
    .option("--max-steps <n>", "stop after n model calls (default 50)", positiveInt("--max-steps"))
    .option("--max-cost <usd>", "stop once this many dollars are spent", positiveNumber("--max-cost"))
    .option("--max-tokens <n>", "stop once this many tokens are used", positiveInt("--max-tokens"))
    .option("--max-time <seconds>", "stop after this much wall time", positiveNumber("--max-time"));
}

/** Builds the program; exported for tests and --help checks. */
export function buildProgram(): Command {
  const program = new Command("ratchet")
    .description("A lean, self-hosted AI agent runtime.")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .addHelpText(
      "after",
      `
Environment: RATCHET_HOME (state, default ~/.ratchet), RATCHET_MODEL, OPENAI_API_KEY, OPENAI_BASE_URL,
ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL. Config file: $RATCHET_HOME/config.json.
Exit codes: 0 done, 1 run failed, 2 usage or config error, 3 limit reached, 130 interrupted.`,
    );

  runOptions(
    program
      .command("run")
      .description("run one task to completion")
      .argument("<task>", "what the agent should do"),
  )
    .option("--json", "print one JSON object with status, final text, session, steps, usage and cost")
    .action(async (task: string, flags) => {
      const { runCommand } = await import("./run-command.js");
      process.exitCode = await runCommand(task, flags);
    });

  runOptions(
    program.command("chat").description("interactive session (Ctrl-C stops a run, /exit leaves)"),
  ).action(async (flags) => {
    const { chatCommand } = await import("./chat-command.js");
    process.exitCode = await chatCommand(flags);
  });

  const sessions = program.command("sessions").description("list and read stored sessions");
  sessions
    .command("list")
    .description("sessions, most recent first")
    .option("--json", "print JSON")
    .option("--limit <n>", "how many to show", positiveInt("--limit"))
    .action(async (flags) => {
      const { sessionsList } = await import("./sessions-command.js");
      process.exitCode = sessionsList(flags);
    });
  sessions
    .command("show")
    .description("a session's transcript")
    .argument("<id>", "session id")
    .option("--json", "print the session and its entries as JSON")
    .action(async (id: string, flags) => {
      const { sessionsShow } = await import("./sessions-command.js");
      process.exitCode = sessionsShow(id, flags);
    });

  modelOptions(program.command("doctor").description("check configuration and that the model server answers"))
    .option("--json", "print JSON")
    .action(async (flags) => {
      const { doctorCommand } = await import("./doctor-command.js");
      process.exitCode = await doctorCommand(flags);
    });
  return program;
}

/** Parses argv and runs; every failure ends in a message and a distinct exit code. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : EXIT.usage;
      return;
    }
    if (err instanceof RatchetError) {
      process.stderr.write(`ratchet: ${err.message}\n`);
      process.exitCode = err.category === "user" ? EXIT.usage : EXIT.error;
      return;
    }
    process.stderr.write(
      `ratchet: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = EXIT.internal;
  }
}
