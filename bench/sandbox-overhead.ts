// Benchmark: the time the sandbox adds per command. Runs trivial commands through the host exec
// backend and the bubblewrap backend, interleaved (so machine noise hits both alike), and prints
// median and p95 wall time per command for each, and the difference. Target: ≤ 10 ms added.
// Also prints the CPU time each command costs (this process plus its reaped children), which
// does not depend on what else the machine is doing; wall time on a loaded machine does.
//
//   node dist/bench/sandbox-overhead.js               # 50 runs of each command
//   node dist/bench/sandbox-overhead.js --runs 200
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { createSandboxExecBackend } from "../src/sandbox/bwrap-backend.js";
import type { ExecBackend } from "../src/tools/exec-backend.js";
import { createHostExecBackend } from "../src/tools/exec-host.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "50" } } });
const runs = Math.max(5, Number(values.runs));
const commands = ["true", "echo hi"];

const base = fs.mkdtempSync(path.join(os.tmpdir(), "ratchet-bench-sandbox-"));
const workspace = path.join(base, "ws");
fs.mkdirSync(workspace);
const host = createHostExecBackend();
const sandbox = createSandboxExecBackend({ workspace, stateDir: path.join(base, "state") });

const probe = await sandbox.probe();
if (!probe.ok) {
  console.error(`sandbox unavailable: ${probe.reason}\nfix: ${probe.fix}`);
  process.exit(1);
}
for (const w of probe.warnings) console.error(`warning: ${w}`);

// CPU ms of this process plus its reaped children (utime, stime, cutime, cstime in /proc/self/stat).
const ticksMs = 1000 / 100; // USER_HZ
function cpuMs(): number {
  const f = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * ticksMs;
}
const cpu = { host: 0, sandbox: 0 };

async function once(backend: ExecBackend, command: string, which?: keyof typeof cpu): Promise<number> {
  const c = cpuMs();
  const t = process.hrtime.bigint();
  const res = await backend.run({ command, cwd: workspace, timeoutMs: 30_000, maxOutputBytes: 30_000 });
  if (res.exitCode !== 0) throw new Error(`${command} failed: ${res.output}`);
  if (which) cpu[which] += cpuMs() - c;
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x: number) => `${x.toFixed(1)} ms`.padStart(9);

const rows: string[] = [];
for (const command of commands) {
  for (let i = 0; i < 3; i++) await Promise.all([once(host, command), once(sandbox, command)]); // warm-up
  const h: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < runs; i++) {
    h.push(await once(host, command, "host"));
    s.push(await once(sandbox, command, "sandbox"));
  }
  const added = pct(s, 50) - pct(h, 50);
  rows.push(
    `| ${command.padEnd(8)} | ${ms(pct(h, 50))} | ${ms(pct(h, 95))} | ${ms(pct(s, 50)).padStart(11)} | ${ms(pct(s, 95)).padStart(11)} | ${ms(added)} |`,
  );
}
await sandbox.close();
fs.rmSync(base, { recursive: true, force: true });

console.log(
  `bubblewrap ${probe.version}, ${runs} runs per command, ${os.cpus().length} CPUs, node ${process.version}`,
);
console.log("| command  | host p50  | host p95  | sandbox p50 | sandbox p95 | added p50 |");
console.log("| -------- | --------- | --------- | ----------- | ----------- | --------- |");
for (const r of rows) console.log(r);
const calls = runs * commands.length;
console.log(
  `CPU per command (Ratchet + children): host ${(cpu.host / calls).toFixed(1)} ms, sandbox ${(cpu.sandbox / calls).toFixed(1)} ms; load average ${os.loadavg()[0].toFixed(2)}`,
);
