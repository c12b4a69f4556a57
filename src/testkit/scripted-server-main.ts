// Runs the scripted model server as its own process, for benchmarks and the demo.
// Usage: node scripted-server-main.js <script.json> [port] [--log <file>] [--host <host>]
// The script file holds a ScriptedTurn[] or {"turns": ScriptedTurn[], "repeat": true} (cycle
// forever, for benchmarks). The first stdout line is the server URL; it serves until killed.
import { readFileSync } from "node:fs";
import { type ScriptedTurn, type ScriptFn, startScriptedServer } from "./scripted-server.js";

function fail(message: string): never {
  process.stderr.write(`scripted-server: ${message}\n`);
  process.exit(2);
}

/** Parses argv into the script and server options. */
function parseArgs(argv: string[]): {
  script: ScriptedTurn[] | ScriptFn;
  port: number;
  logFile?: string;
  host?: string;
} {
  const positional: string[] = [];
  let logFile: string | undefined;
  let host: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--log") logFile = argv[++i];
    else if (argv[i] === "--host") host = argv[++i];
    else positional.push(argv[i]);
  }
  const [file, portText = "0"] = positional;
  if (!file) fail("usage: scripted-server-main <script.json> [port] [--log <file>] [--host <host>]");
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad port: ${portText}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    fail(`cannot read script ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (Array.isArray(raw)) return { script: raw as ScriptedTurn[], port, logFile, host };
  const spec = raw as { turns?: unknown; repeat?: unknown } | null;
  if (!spec || !Array.isArray(spec.turns) || spec.turns.length === 0) {
    fail(`${file}: expected an array of turns or {"turns": [...], "repeat": true}`);
  }
  const turns = spec.turns as ScriptedTurn[];
  const script: ScriptedTurn[] | ScriptFn =
    spec.repeat === true ? (_req, i) => turns[i % turns.length] : turns;
  return { script, port, logFile, host };
}

const args = parseArgs(process.argv.slice(2));
const server = await startScriptedServer(args.script, {
  port: args.port,
  logFile: args.logFile,
  host: args.host,
});
process.stdout.write(`${server.url}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
