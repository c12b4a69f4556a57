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
    .option("--via-daemon", "send the task through a running `ratchet daemon` (config cli.useDaemon: true)")
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

  const approvals = program.command("approvals").description("calls held for the owner's approval");
  approvals
    .command("list")
    .description("held calls, oldest first")
    .option("--json", "print JSON")
    .action(async (flags) => {
      const { approvalsList } = await import("./approvals-command.js");
      process.exitCode = approvalsList(flags);
    });
  for (const decision of ["approve", "deny"] as const) {
    approvals
      .command(decision)
      .description(`${decision} one held call (it runs when the task is run again)`)
      .argument("<id>", "call id from `approvals list` (a prefix of at least 8 characters)")
      .action(async (id: string) => {
        const { approvalsAnswer } = await import("./approvals-command.js");
        process.exitCode = approvalsAnswer(id, decision);
      });
  }

  const pair = program.command("pair").description("senders asking to talk to the agent through a channel");
  pair
    .command("list")
    .description("paired senders and open pairing requests")
    .option("--json", "print JSON")
    .action(async (flags) => {
      const { pairList } = await import("./pair-command.js");
      process.exitCode = await pairList(flags);
    });
  for (const decision of ["approve", "deny"] as const) {
    pair
      .command(decision)
      .description(`${decision} a sender by the code they were sent`)
      .argument("<code>", "pairing code, like ABCD-EFGH")
      .action(async (code: string) => {
        const { pairAnswer } = await import("./pair-command.js");
        process.exitCode = await pairAnswer(code, decision);
      });
  }
  pair
    .command("revoke")
    .description("withdraw a paired sender (they must pair again)")
    .argument("<channel>", 'channel as `pair list` shows it, e.g. "telegram" or "webhook:crm"')
    .argument("<peer>", "sender id")
    .action(async (channel: string, peer: string) => {
      const { pairRevoke } = await import("./pair-command.js");
      process.exitCode = await pairRevoke(channel, peer);
    });

  memoryCommands(program);
  daemonCommands(program);
  cronCommands(program);
  envCommands(program);

  modelOptions(program.command("doctor").description("check configuration and that the model server answers"))
    .option("--json", "print JSON")
    .action(async (flags) => {
      const { doctorCommand } = await import("./doctor-command.js");
      process.exitCode = await doctorCommand(flags);
    });
  return program;
}

/** `ratchet daemon` (the always-on HTTP + WebSocket API) and `ratchet token`. */
function daemonCommands(program: Command): void {
  const port = (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("--port needs 0–65535.");
    return n;
  };
  program
    .command("daemon")
    .description(
      "run the always-on daemon in the foreground: HTTP + WebSocket API, OpenAI-compatible /v1, web UI at /, channels and the scheduler",
    )
    .option("--host <host>", "address to listen on (default 127.0.0.1)")
    .option("--port <port>", "port (default 7878, or config daemon.port; 0 picks a free one)", port)
    .option("--allow-remote", "allow a non-loopback --host (the token is always required)")
    .option("-w, --workspace <dir>", "workspace of messages that name none (default: current folder)")
    .option("--print-systemd-unit", "print a systemd user unit for this daemon and exit")
    .addHelpText(
      "after",
      "\nPrints its URL as the first line of stdout. Clients send `Authorization: Bearer <token>` (see `ratchet token`).",
    )
    .action(async (flags) => {
      const { daemonCommand } = await import("./daemon-command.js");
      process.exitCode = await daemonCommand(flags, program.version() ?? "0.0.0");
    });
  program
    .command("token")
    .description("print the daemon's API token (created on first use, stored with mode 0600)")
    .action(async () => {
      const { tokenCommand } = await import("./daemon-command.js");
      process.exitCode = await tokenCommand();
    });
}

/** `ratchet memory …`: search, read, rebuild, count and import the workspace's long-term memory. */
function memoryCommands(program: Command): void {
  const memory = program.command("memory").description("the workspace's long-term memory");
  const ws = (c: Command) =>
    c.option("-w, --workspace <dir>", "workspace whose memory to use (default: current folder)");
  ws(memory.command("search").description("search memory files and past conversations").argument("<query>"))
    .option("--limit <n>", "how many hits (default 8)", positiveInt("--limit"))
    .option("--json", "print hits as JSON (source, ref, date, score, text)")
    .action(async (query: string, flags) => {
      const { memorySearch } = await import("./memory-command.js");
      process.exitCode = await memorySearch(query, flags);
    });
  ws(
    memory
      .command("get")
      .description("exact lines of a memory file, or turns of a conversation")
      .argument("<source>"),
  )
    .option("--from <n>", "first line or turn (1-based)", positiveInt("--from"))
    .option("--to <n>", "last line or turn", positiveInt("--to"))
    .action(async (source: string, flags) => {
      const { memoryGet } = await import("./memory-command.js");
      process.exitCode = await memoryGet(source, flags);
    });
  ws(memory.command("reindex").description("rebuild the index from the memory files and transcripts"))
    .option("--json", "print JSON")
    .action(async (flags) => {
      const { memoryReindex } = await import("./memory-command.js");
      process.exitCode = await memoryReindex(flags);
    });
  ws(memory.command("stats").description("what the index holds"))
    .option("--json", "print JSON")
    .action(async (flags) => {
      const { memoryStats } = await import("./memory-command.js");
      process.exitCode = await memoryStats(flags);
    });
  ws(
    memory
      .command("import")
      .description("import a conversation history (JSONL turns or ChatGPT conversations.json)")
      .argument("<file>"),
  )
    .option("--json", "print JSON")
    .action(async (file: string, flags) => {
      const { memoryImport } = await import("./memory-command.js");
      process.exitCode = await memoryImport(file, flags);
    });
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

/** `ratchet cron …`: the daemon's cron jobs and heartbeats, over its API. */
function cronCommands(program: Command): void {
  const cron = program.command("cron").description("cron jobs and heartbeats of the running daemon");
  cron
    .command("list")
    .description("jobs with their next slot and last run")
    .option("--json", "print JSON")
    .action(async (flags) => {
      const { cronList } = await import("./cron-command.js");
      process.exitCode = await cronList(flags);
    });
  cron
    .command("add")
    .description("add a job; --watch-file/--watch-glob make it a heartbeat (no model call when unchanged)")
    .argument("<schedule>", 'cron expression, five fields: "0 9 * * 1-5" is 09:00 on weekdays')
    .argument("<prompt>", "what the agent is asked at each run")
    .option("--name <name>", "a label (default: the start of the prompt)")
    .option("--tz <zone>", "IANA time zone, e.g. Europe/Berlin (default: the daemon's)")
    .option("--catch-up <policy>", "slots missed while the daemon was down: skip, latest (default) or all")
    .option("-w, --workspace <dir>", "folder the runs work in (default: current folder)")
    .option("-s, --session <id>", "run in this session (default: one the first run creates)")
    .addOption(
      new Option("--watch-file <path>", "heartbeat: run only when this file changed").argParser(collect),
    )
    .addOption(
      new Option("--watch-glob <pattern>", "heartbeat: run only when matching files changed").argParser(
        collect,
      ),
    )
    .option("--disabled", "add it switched off")
    .action(async (schedule: string, prompt: string, flags) => {
      const { cronAdd } = await import("./cron-command.js");
      process.exitCode = await cronAdd(schedule, prompt, flags);
    });
  cron
    .command("rm")
    .description("delete a job and its history")
    .argument("<id>", "job id from `cron list`")
    .action(async (id: string) => {
      const { cronRemove } = await import("./cron-command.js");
      process.exitCode = await cronRemove(id);
    });
  cron
    .command("runs")
    .description("a job's run history, newest first (what ran, what was caught up or skipped, and why)")
    .argument("<id>", "job id from `cron list`")
    .option("--limit <n>", "rows to show (default 20)", positiveInt("--limit"))
    .option("--json", "print JSON")
    .action(async (id: string, flags) => {
      const { cronRuns } = await import("./cron-command.js");
      process.exitCode = await cronRuns(id, flags);
    });
  cron
    .command("run")
    .description("run a job now, outside its schedule")
    .argument("<id>", "job id from `cron list`")
    .action(async (id: string) => {
      const { cronRunNow } = await import("./cron-command.js");
      process.exitCode = await cronRunNow(id);
    });
}

function envCommands(program: Command): void {
  const env = program
    .command("env")
    .description("evaluation environments: run task suites, export trajectories");
  modelOptions(
    env
      .command("run")
      .description("run attempts of a task folder or a suite of them, then the verifier; print pass rates")
      .argument("<dir>", "a Harbor task folder (task.toml…) or a folder of them"),
  )
    .addOption(
      new Option(
        "--header <name:value>",
        "HTTP header for model calls; {task}/{attempt} are filled in (repeatable)",
      ).argParser(collect),
    )
    .addOption(
      new Option(
        "--agent <agent>",
        "who attempts the tasks: ratchet (a model), oracle (solution/solve.sh), none",
      )
        .choices(["ratchet", "oracle", "none"])
        .default("ratchet"),
    )
    .option("-k, --attempts <k>", "attempts per task", positiveInt("--attempts"), 1)
    .option("-c, --concurrency <n>", "attempts at a time", positiveInt("--concurrency"), 1)
    .option("--max-steps <n>", "model calls per attempt (default 50)", positiveInt("--max-steps"))
    .option(
      "--token-ids",
      "ask the model server (vLLM, SGLang) for token ids and logprobs; trajectories keep them for RL",
    )
    .option("-o, --out <dir>", "write report.json and per-attempt results, rewards and trajectories here")
    .option("--redis <url>", "run the attempts on `ratchet env worker` processes through this Redis")
    .option("--queue <name>", "queue name with --redis", "ratchet-env")
    .option("--json", "print the report as JSON instead of a table")
    .action(async (dir: string, flags) => {
      const { envRun } = await import("./env-command.js");
      process.exitCode = await envRun(dir, flags);
    });
  env
    .command("worker")
    .description("process attempts from a Redis queue (started by `ratchet env run --redis`)")
    .requiredOption("--redis <url>", "Redis URL, e.g. redis://127.0.0.1:6379")
    .option("--queue <name>", "queue name", "ratchet-env")
    .option("-c, --concurrency <n>", "attempts at a time", positiveInt("--concurrency"), 1)
    .option(
      "--lock-ms <ms>",
      "job lock duration; a worker silent this long loses its attempt",
      positiveInt("--lock-ms"),
    )
    .action(async (flags) => {
      const { envWorker } = await import("./env-command.js");
      process.exitCode = await envWorker(flags);
    });
}
