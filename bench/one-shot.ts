// Benchmark: a one-shot task (turn 1 writes hello.txt with the write tool, turn 2 answers "done")
// against a scripted loopback OpenAI server that logs each request. Prints wall time, peak RSS,
// first-request size, tools offered and whether request 2 starts with request 1's bytes.
//
//   npm run bench                       # Ratchet, 5 runs
//   npm run bench -- --runs 10
//   npm run bench -- --openclaw /path/to/openclaw [--node24 /path/to/node]   # also run OpenClaw
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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

/** OpenClaw's local agent mode with a custom OpenAI-compatible provider pointing at the loopback server. */
function openclawAgent(bin: string, node: string | undefined): Agent {
  return {
    name: "openclaw",
    command: (baseUrl, workspace, home) => {
      const stateDir = path.join(home, ".openclaw");
      mkdirSync(stateDir, { recursive: true });
      writeFileSync(
        path.join(stateDir, "openclaw.json"),
        JSON.stringify({
          agents: { defaults: { workspace, model: { primary: "bench/bench-model" } } },
          models: {
            mode: "merge",
            providers: {
              bench: {
                baseUrl,
                apiKey: "bench",
                api: "openai-completions",
                models: [{ id: "bench-model", name: "bench-model", contextWindow: 128000, maxTokens: 4096 }],
              },
            },
          },
        }),
      );
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
      return { argv, env: { PATH: process.env.PATH, HOME: home, OPENCLAW_STATE_DIR: stateDir } };
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

const SCRIPT = [
  { toolCalls: [{ name: "write", arguments: { path: "hello.txt", content: "Hello, world!" } }] },
  { text: "done" },
];

async function measure(agent: Agent, runs: number) {
  const samples: Sample[] = [];
  let firstRequest = "";
  let identicalPrefix = 0;
  let tools = 0;
  for (let i = 0; i < runs; i++) {
    const server = await startScriptedServer(SCRIPT);
    const dir = mkdtempSync(path.join(os.tmpdir(), `bench-${agent.name}-`));
    const ws = path.join(dir, "ws");
    mkdirSync(ws);
    const { argv, env } = agent.command(server.openaiBaseUrl, ws, dir);
    samples.push(await timed(argv, env, dir));
    const [a, b] = server.requests.filter((r) => r.path.endsWith("/chat/completions"));
    if (a) {
      firstRequest = a.body;
      tools = Array.isArray(a.json?.tools) ? a.json.tools.length : 0;
      if (b && prefixIdentical(a.body, b.body)) identicalPrefix++;
    }
    await server.close();
  }
  return { samples, firstRequest, identicalPrefix, tools };
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

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

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
  const rows: string[][] = [
    [
      "agent",
      "runs ok",
      "wall median",
      "wall min–max",
      "peak RSS",
      "1st request",
      "≈tokens",
      "tools",
      "identical prefix",
    ],
  ];
  for (const agent of agents) {
    const m = await measure(agent, runs);
    const walls = m.samples.map((s) => s.wallMs);
    const rss = Math.max(...m.samples.map((s) => s.rssKb));
    rows.push([
      agent.name,
      `${m.samples.filter((s) => s.ok).length}/${runs}`,
      `${(median(walls) / 1000).toFixed(3)} s`,
      `${(Math.min(...walls) / 1000).toFixed(3)}–${(Math.max(...walls) / 1000).toFixed(3)} s`,
      Number.isNaN(rss) ? "n/a" : `${(rss / 1024).toFixed(1)} MB`,
      `${Buffer.byteLength(m.firstRequest)} B`,
      `${Math.round(m.firstRequest.length / 4)}`,
      `${m.tools}`,
      `${Math.round((100 * m.identicalPrefix) / runs)} %`,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i])).join("  ")}\n`);
  process.stdout.write(
    "targets (ratchet): wall median ≤ 0.25 s, peak RSS ≤ 80 MB, 1st request ≤ 6 KB / 1.5k tokens, 100 % identical prefix\n",
  );
}

await main();
