// The runner end to end in the sandbox: the bundled suite with the oracle (every task passes with
// its solution and fails with no change), malformed tasks reported invalid while the rest runs,
// and reward hygiene (tests and solution hidden from the agent, .git read-only).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os, { availableParallelism } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runSuite } from "../../src/env/runner.js";
import { isInvalid, loadTasks } from "../../src/env/task.js";
import { memoryLimitEnforceable } from "../../src/sandbox/index.js";
import { ROOT } from "../support/cli.js";
import { GOOD_TASK, TOML, writeTree } from "./support.js";

const home = () => mkdtempSync(path.join(os.tmpdir(), "ratchet-env-home-"));
/** Runs `suite` with the oracle agent, one attempt per task, in a fresh home. */
const oracle = (suite: string, o: { concurrency?: number; attempts?: number; out?: string } = {}) =>
  runSuite({ path: suite, agent: "oracle", home: home(), attempts: 1, concurrency: 1, ...o });

test("the bundled suite: every task passes with its solution and fails with no change", async () => {
  const suite = path.join(ROOT, "envs", "suite");
  const tasks = loadTasks(suite);
  assert.ok(tasks.length >= 20, `expected ≥ 20 tasks, found ${tasks.length}`);
  const families = new Set(tasks.map((t) => t.name.split("-")[0]));
  assert.ok(families.size >= 4, `expected ≥ 4 families, found ${[...families]}`);
  const out = mkdtempSync(path.join(os.tmpdir(), "ratchet-env-out-"));
  const report = await oracle(suite, { out, concurrency: 2 });
  assert.deepEqual(report.invalid, []);
  assert.deepEqual(report.oracleProblems, []);
  assert.equal(report.totals.passed, tasks.length);
  const saved = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8"));
  assert.equal(saved.totals.passed, tasks.length);
  const one = path.join(out, tasks[0].name);
  for (const f of ["result.json", "reward.txt", "trajectory.json", "chat.jsonl", "steps.jsonl"])
    assert.ok(existsSync(path.join(one, "attempt-1", f)), f);
  assert.equal(readFileSync(path.join(one, "no-change", "reward.txt"), "utf8").trim(), "0");
});

test("malformed tasks are reported invalid with the reason; the rest of the suite runs", async () => {
  const suite = writeTree({});
  writeTree(GOOD_TASK, path.join(suite, "good"));
  writeTree(
    { "task.toml": TOML(), "tests/test.sh": "echo 1 > /logs/verifier/reward.txt\n" },
    path.join(suite, "no-instruction"),
  );
  writeTree({ ...GOOD_TASK, "task.toml": "[agent\ntimeout_sec = " }, path.join(suite, "bad-toml"));
  writeTree({ ...GOOD_TASK, "tests/test.sh": "#!/bin/bash\necho checked\n" }, path.join(suite, "no-reward"));
  writeTree(
    { ...GOOD_TASK, "task.toml": TOML(1), "tests/test.sh": "#!/bin/bash\nsleep 60\n" },
    path.join(suite, "hangs"),
  );
  writeTree(
    { ...GOOD_TASK, "tests/test.sh": "#!/bin/bash\necho banana > /logs/verifier/reward.txt\n" },
    path.join(suite, "bad-reward"),
  );
  writeTree(
    { ...GOOD_TASK, "environment/setup.sh": "#!/bin/bash\necho broken >&2\nexit 3\n" },
    path.join(suite, "bad-setup"),
  );
  const report = await oracle(suite, { concurrency: 2 });
  const reasons = Object.fromEntries(report.invalid.map((i) => [i.task, i.reason]));
  assert.deepEqual(Object.keys(reasons).sort(), [
    "bad-reward",
    "bad-setup",
    "bad-toml",
    "hangs",
    "no-instruction",
    "no-reward",
  ]);
  assert.match(reasons["no-instruction"], /missing instruction\.md/);
  assert.match(reasons["bad-toml"], /task\.toml does not parse/);
  assert.match(reasons["no-reward"], /wrote no reward/);
  assert.match(reasons.hangs, /did not finish within 1 s/);
  assert.match(reasons["bad-reward"], /reward\.txt does not hold a number/);
  assert.match(reasons["bad-setup"], /setup\.sh exited with status 3: broken/);
  const good = report.tasks.find((t) => t.task === "good");
  assert.equal(good?.passed, 1);
  assert.equal(report.results.find((r) => r.task === "good")?.status, "passed");
});

test("reward hygiene: the agent sees neither tests nor solution source, and cannot write .git", async () => {
  // The "solution" is an attacker: it looks for the tests and tries to rewrite history.
  const spy = [
    "#!/bin/bash",
    "ls /tests > seen-tests.txt 2>&1",
    `cat ${"TASKDIR"}/tests/test.sh >> seen-tests.txt 2>&1`,
    "echo evil > .git/evil 2>/dev/null && echo wrote-git > git.txt",
    "echo evil > /app/.git/evil 2>/dev/null && echo wrote-git > git.txt",
    "cat /logs/verifier/reward.txt > seen-logs.txt 2>&1",
    "echo 42 > answer.txt",
  ].join("\n");
  const suite = writeTree({});
  const dir = path.join(suite, "spy");
  writeTree({ ...GOOD_TASK, "solution/solve.sh": spy.replace("TASKDIR", dir) }, dir);
  // Report what the agent's attempt left behind, seen by the verifier.
  writeTree(
    {
      "tests/test.sh":
        "#!/bin/bash\ncp seen-tests.txt /logs/verifier/ 2>/dev/null; cp git.txt /logs/verifier/ 2>/dev/null; test -e .git/evil && touch /logs/verifier/git-written\necho 1 > /logs/verifier/reward.txt\n",
    },
    dir,
  );
  const out = mkdtempSync(path.join(os.tmpdir(), "ratchet-env-out-"));
  const report = await oracle(suite, { out });
  assert.equal(report.results[0].status, "passed", JSON.stringify(report.results[0]));
  const logs = path.join(out, "spy", "attempt-1", "logs", "verifier");
  const seen = readFileSync(path.join(logs, "seen-tests.txt"), "utf8");
  assert.doesNotMatch(seen, /reward/, "the agent must not see the tests");
  assert.ok(!existsSync(path.join(logs, "git.txt")), "the agent must not write .git");
  assert.ok(!existsSync(path.join(logs, "git-written")));
});

test("Terminal-Bench 1 folders load (task.yaml, run-tests.sh, solution.sh); pass is exit status 0; the workspace is at /app", async () => {
  const suite = writeTree({
    "tb/task.yaml":
      "instruction: |\n  Create done.txt.\nmax_agent_timeout_sec: 30\nmax_test_timeout_sec: 30\n",
    "tb/run-tests.sh": "#!/bin/bash\ncd /app && test -f done.txt\n",
    "tb/solution.sh": "#!/bin/bash\ntouch /app/done.txt\n",
  });
  const [task] = loadTasks(suite);
  assert.ok(!isInvalid(task));
  assert.equal(task.instruction.trim(), "Create done.txt.");
  const report = await oracle(suite);
  assert.deepEqual(report.oracleProblems, []);
  assert.equal(report.totals.passed, 1);
});

test("the agent timeout is enforced, and nothing the agent started outlives it into the verifier", async () => {
  const suite = writeTree({});
  // Starts a background writer, then hangs past the 1 s agent timeout.
  const solve = "#!/bin/bash\n(sleep 3; echo 42 > answer.txt) &\nsleep 30\n";
  // The verifier (starting ~1 s in) waits until a surviving writer would have written.
  const tests =
    "#!/bin/bash\nsleep 2\nif [ -e answer.txt ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt\n";
  writeTree(
    {
      ...GOOD_TASK,
      "task.toml": 'version = "1.0"\n[agent]\ntimeout_sec = 1.0\n[verifier]\ntimeout_sec = 30.0\n',
      "solution/solve.sh": solve,
      "tests/test.sh": tests,
    },
    path.join(suite, "slow"),
  );
  const report = await oracle(suite);
  const r = report.results[0];
  assert.equal(r.exitReason, "timeout");
  assert.equal(r.status, "failed", JSON.stringify(r));
  assert.equal(r.reward, 0);
});

test("an attempt cannot read other attempts' files under --out", async () => {
  const suite = writeTree({});
  const out = mkdtempSync(path.join(process.cwd(), ".ratchet-env-out-"));
  try {
    // Attempt 2 looks for attempt 1's verifier logs through the absolute path of --out.
    const peek = `#!/bin/bash\nls ${out}/peek/attempt-1/logs/verifier > seen.txt 2>&1\necho 42 > answer.txt\n`;
    writeTree(
      {
        ...GOOD_TASK,
        "solution/solve.sh": peek,
        "tests/test.sh": "#!/bin/bash\ncp seen.txt /logs/verifier/\necho 1 > /logs/verifier/reward.txt\n",
      },
      path.join(suite, "peek"),
    );
    await oracle(suite, { attempts: 2, out });
    const seen = readFileSync(path.join(out, "peek", "attempt-2", "logs", "verifier", "seen.txt"), "utf8");
    assert.doesNotMatch(seen, /reward/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("an agent that cannot start is an error of the run, not a failed attempt", async () => {
  const suite = writeTree({});
  writeTree(GOOD_TASK, path.join(suite, "good"));
  const report = await runSuite({
    path: suite,
    agent: "ratchet",
    home: home(),
    config: {},
    model: "nosuchprovider/m",
    attempts: 1,
    concurrency: 1,
  });
  const r = report.results[0];
  assert.equal(r.status, "error");
  assert.equal(r.reward, null);
  assert.match(r.error ?? "", /could not start/);
  assert.equal(report.errors.length, 1);
  assert.deepEqual(report.invalid, []);
});

test("task resources: cpus is CPU affinity and memory_mb a memory limit, in every phase", async (t) => {
  const suite = writeTree({});
  // Each phase reports its CPUs and address-space limit, and whether 400 MB fits (the command's
  // own status: 137 when the kernel kills it for the task's memory).
  const hold = `python3 -c 'b = bytearray(400 * 1024**2); b[::4096] = b"x" * len(b[::4096])'`;
  const probe = `echo "$(nproc) $(ulimit -v) $(${hold} 2>/dev/null; echo $?)"`;
  const task = (name: string, env: string) =>
    writeTree(
      {
        ...GOOD_TASK,
        "task.toml": `${TOML()}[environment]\n${env}`,
        "solution/solve.sh": `#!/bin/bash\n${probe} > agent.txt\necho 42 > answer.txt\n`,
        // The verifier records its own view, then passes.
        "tests/test.sh": `#!/bin/bash\n${probe} > /logs/verifier/seen.txt\ncp agent.txt /logs/verifier/agent.txt\necho 1 > /logs/verifier/reward.txt\n`,
      },
      path.join(suite, name),
    );
  task("limited", "cpus = 1\nmemory_mb = 256\n");
  task("default", "");
  const out = mkdtempSync(path.join(os.tmpdir(), "ratchet-env-out-"));
  const report = await oracle(suite, { out });
  for (const r of report.results) assert.equal(r.status, "passed", JSON.stringify(r));
  const seen = (task: string, file: string) =>
    readFileSync(path.join(out, task, "attempt-1", "logs", "verifier", file), "utf8").trim();
  const cpus = availableParallelism();
  const as = 8 * 1024 * 1024;
  assert.equal(seen("default", "seen.txt"), `${cpus} ${as} 0`);
  const notes = Object.fromEntries(report.results.map((r) => [r.task, r.notes.join("\n")]));
  assert.equal(notes.default, "");
  if (!memoryLimitEnforceable()) {
    // No memory cgroup to be had (not root, or a read-only hierarchy): the result must say so.
    assert.equal(seen("limited", "seen.txt"), `1 ${as} 0`);
    assert.match(notes.limited, /memory_mb = 256 is recorded, not enforced/);
    t.skip("no writable memory cgroup on this host");
    return;
  }
  assert.equal(seen("limited", "agent.txt"), `1 ${as} 137`);
  assert.equal(seen("limited", "seen.txt"), `1 ${as} 137`);
  assert.match(
    notes.limited,
    /memory_mb = 256: each command of the set-up, agent and verifier is held to 256 MB/,
  );
});
