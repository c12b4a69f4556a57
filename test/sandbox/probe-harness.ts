// Child process of the escape-probe test: runs every probe through Ratchet's own exec tool with
// the sandbox or the host backend and prints the outputs as one JSON object. It runs in its own
// process so that its environment (HOME, RATCHET_HOME, SECRET_TOKEN) is set from the start, as
// for a real runtime (/proc/PID/environ shows only the initial environment), and so that it can
// hold an inherited fd without CLOEXEC, which Node cannot create in-process.
//
//   node probe-harness.js CONFIG.json     (without an argument it does nothing: the test runner
//                                          may load every .js file under test/ as a test file)
import * as fs from "node:fs";
import { createSandboxExecBackend } from "../../src/sandbox/bwrap-backend.js";
import { createExecTool } from "../../src/tools/exec.js";
import { createHostExecBackend } from "../../src/tools/exec-host.js";
import { createWorkspace } from "../../src/tools/workspace.js";
import { PROBES, type ProbeTargets } from "./probes.js";

/** What the test hands the harness. */
export interface HarnessConfig {
  backend: "sandbox" | "host";
  workspace: string;
  targets: ProbeTargets;
}

/** What the harness prints: its own view of the inherited fd, then every probe's outcome. */
export interface HarnessOutput {
  /** Target and /proc/self/fdinfo of the harness's fd 100, or why they could not be read. */
  leakFd: string;
  results: HarnessResult[];
}

/** One probe's outcome as the exec tool reported it. */
export interface HarnessResult {
  name: string;
  content: string;
  isError: boolean;
}

async function main(configPath: string): Promise<void> {
  const config = JSON.parse(fs.readFileSync(configPath, "utf8")) as HarnessConfig;
  let leakFd: string;
  try {
    leakFd = `${fs.readlinkSync("/proc/self/fd/100")}\n${fs.readFileSync("/proc/self/fdinfo/100", "utf8")}`;
  } catch (err) {
    leakFd = `not open in the harness: ${(err as Error).message}`;
  }
  const sandbox =
    config.backend === "sandbox" ? createSandboxExecBackend({ workspace: config.workspace }) : undefined;
  const tool = createExecTool({
    workspace: createWorkspace(config.workspace),
    exec: sandbox ?? createHostExecBackend(),
  });
  const results: HarnessResult[] = [];
  for (const probe of PROBES) {
    if (probe.delayMs) await new Promise((r) => setTimeout(r, probe.delayMs));
    const out = await tool.execute(
      { command: probe.run(config.targets), timeout: 60 },
      { toolCallId: probe.name },
    );
    results.push({ name: probe.name, content: out.content, isError: out.isError === true });
  }
  await sandbox?.close();
  const output: HarnessOutput = { leakFd, results };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

if (process.argv[2]) await main(process.argv[2]);
