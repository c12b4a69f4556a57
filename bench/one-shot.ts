// Benchmark: a one-shot task (turn 1 writes hello.txt with the write tool, turn 2 answers "done")
// against a scripted loopback OpenAI server that logs each request. Prints wall time, peak RSS,
// first-request size, tools offered, requests the server received per run (most over the runs) and
// whether request 2 starts with request 1's bytes.
//
//   npm run bench                       # Ratchet, 5 runs
//   npm run bench -- --runs 10
//   npm run bench -- --openclaw /path/to/openclaw.mjs --node24 /path/to/node   # also run OpenClaw
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startScriptedServer } from "../src/testkit/scripted-server.js";
import { BIN } from "../test/support/cli.js";

const TASK = 'Create a file hello.txt containing "Hello, world!" and then say done.';

interface Sample {
  wallMs: number;
  rssKb: number;
  ok: boolean;
}

interface Agent {
  name: string;
  /** Command line to run the task against `baseUrl` in `workspace`, with state under `home`. */
  command(baseUrl: string, workspace: string, home: string): { argv: string[]; env: NodeJS.ProcessEnv };
}

/** Ratchet's CLI with a one-off `--base-url` at the loopback server; state in a fresh RATCHET_HOME. */
const ratchetAgent: Agent = {
  name: "ratchet",
  command: (baseUrl, workspace, home) => ({
    argv: [
      process.execPath,
      BIN,
      "run",
      TASK,
      "--json",
      "--model",
      "openai/bench-model",
      "--base-url",
      baseUrl,
      "--workspace",
      workspace,
    ],
    env: { PATH: process.env.PATH, HOME: home, RATCHET_HOME: path.join(home, ".ratchet") },
  }),
};

/**
 * OpenClaw's embedded one-shot mode (`agent --local`: no Gateway, no onboarding) with a custom
 * OpenAI-compatible provider pointing at the loopback server. OpenClaw's own `write` tool takes
 * `path` and `content`, so the shared SCRIPT fits it unchanged. Needs Node 24 (`--node24`).
 */
function openclawAgent(bin: string, node: string | undefined): Agent {
  return {
    name: "openclaw",
    command: (baseUrl, workspace, home) => {
      const stateDir = path.join(home, ".openclaw");
      const configPath = path.join(stateDir, "openclaw.json");
      mkdirSync(stateDir, { recursive: true });
      writeFileSync(configPath, JSON.stringify(openclawConfig(baseUrl, workspace), null, 2));
      const argv = [
        ...(node ? [node] : []),
        bin,
        "agent",
        "--local",
        "--message",
        TASK,
        "--json",
        "--session-id",
        `bench-${Date.now()}`,
      ];
      const env = {
        PATH: process.env.PATH,
        HOME: home,
        OPENCLAW_STATE_DIR: stateDir,
        OPENCLAW_CONFIG_PATH: configPath,
      };
      return { argv, env };
    },
  };
}

/**
 * OpenClaw's config (`$OPENCLAW_STATE_DIR/openclaw.json`, JSON5; see its docs/gateway/local-models.md):
 * the workspace, the default model, and a `bench` provider speaking Chat Completions. Everything
 * else stays at OpenClaw's defaults, so the run measures an out-of-the-box install.
 */
function openclawConfig(baseUrl: string, workspace: string) {
  const model = {
    id: "bench-model",
    name: "bench-model",
    reasoning: false,
    input: ["text"],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow: 128000,
    maxTokens: 4096,
  };
  return {
    agents: { defaults: { workspace, model: { primary: "bench/bench-model" } } },
    models: {
      mode: "merge",
      providers: { bench: { baseUrl, apiKey: "bench", api: "openai-completions", models: [model] } },
    },
  };
}

/** Runs argv under GNU time to read the child's peak RSS. */
function timed(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Sample> {
  const timeFile = path.join(cwd, ".time");
  const useTime = existsSync("/usr/bin/time");
  const full = useTime ? ["/usr/bin/time", "-f", "%M", "-o", timeFile, ...argv] : argv;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(full[0], full.slice(1), { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.stdout.resume();
    child.on("close", (code) => {
      const wallMs = performance.now() - t0;
      const rssKb =
        useTime && existsSync(timeFile)
          ? Number(readFileSync(timeFile, "utf8").trim().split("\n").at(-1))
          : Number.NaN;
      if (code !== 0) process.stderr.write(`run failed (exit ${code}): ${err.slice(-500)}\n`);
      resolve({ wallMs, rssKb, ok: code === 0 && existsSync(path.join(cwd, "ws", "hello.txt")) });
    });
  });
}

/** The scripted model: one write tool call, then the final answer. */
const SCRIPT = [
  { toolCalls: [{ name: "write", arguments: { path: "hello.txt", content: "Hello, world!" } }] },
  { text: "done" },
];

/** Runs the task `runs` times, each against a fresh scripted server, workspace and state folder. */
async function measure(agent: Agent, runs: number) {
  const samples: Sample[] = [];
  let firstRequest = "";
  let identicalPrefix = 0;
  let tools = 0;
  let requests = 0;
  for (let i = 0; i < runs; i++) {
    const server = await startScriptedServer(SCRIPT);
    const dir = mkdtempSync(path.join(os.tmpdir(), `bench-${agent.name}-`));
    const ws = path.join(dir, "ws");
    mkdirSync(ws);
    const { argv, env } = agent.command(server.openaiBaseUrl, ws, dir);
    samples.push(await timed(argv, env, dir));
    requests = Math.max(requests, server.requests.length);
    const [a, b] = server.requests.filter((r) => r.path.endsWith("/chat/completions"));
    if (a) {
      firstRequest = a.body;
      tools = Array.isArray(a.json?.tools) ? a.json.tools.length : 0;
      if (b && prefixIdentical(a.body, b.body)) identicalPrefix++;
    }
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { samples, firstRequest, identicalPrefix, tools, requests };
}

/** Request 2 begins with request 1's exact bytes up to the end of request 1's last message. */
function prefixIdentical(a: string, b: string): boolean {
  const start = a.indexOf('"messages":[');
  if (start < 0) return false;
  const end = matchingBracket(a, start + '"messages":'.length);
  return end > 0 && b.startsWith(a.slice(0, end));
}

/** Index of the `]` closing the array that opens at `open`, skipping brackets inside strings. */
function matchingBracket(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      for (i++; i < s.length && s[i] !== '"'; i++) if (s[i] === "\\") i++;
    } else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Middle value (mean of the two middle values for an even count). */
const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Table columns, one per measurement. */
const HEADER = [
  "agent",
  "runs ok",
  "wall median",
  "wall min–max",
  "peak RSS",
  "1st request",
  "≈tokens",
  "tools",
  "requests",
  "identical prefix",
];

/** One table row from an agent's measurements. */
function row(name: string, m: Awaited<ReturnType<typeof measure>>, runs: number): string[] {
  const walls = m.samples.map((s) => s.wallMs);
  const rss = Math.max(...m.samples.map((s) => s.rssKb));
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  return [
    name,
    `${m.samples.filter((s) => s.ok).length}/${runs}`,
    `${seconds(median(walls))} s`,
    `${seconds(Math.min(...walls))}–${seconds(Math.max(...walls))} s`,
    Number.isNaN(rss) ? "n/a" : `${(rss / 1024).toFixed(1)} MB`,
    `${Buffer.byteLength(m.firstRequest)} B`,
    `${Math.round(m.firstRequest.length / 4)}`,
    `${m.tools}`,
    `${m.requests}`,
    `${Math.round((100 * m.identicalPrefix) / runs)} %`,
  ];
}

/** Prints rows as left-aligned columns. */
function printTable(rows: string[][]) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i])).join("  ")}\n`);
}

/** Parses flags, measures Ratchet (and OpenClaw with `--openclaw`), prints the table. */
async function main() {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "5" },
      openclaw: { type: "string" },
      node24: { type: "string" },
    },
  });
  const runs = Number(values.runs);
  const agents = [ratchetAgent, ...(values.openclaw ? [openclawAgent(values.openclaw, values.node24)] : [])];
  const rows = [HEADER];
  for (const agent of agents) rows.push(row(agent.name, await measure(agent, runs), runs));
  printTable(rows);
  process.stdout.write(
    "targets (ratchet): wall median ≤ 0.25 s, peak RSS ≤ 80 MB, 1st request ≤ 6 KB / 1.5k tokens, 100 % identical prefix\n",
  );
}

await main();
