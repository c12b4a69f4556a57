// allow_internet: a task that allows it gets outbound HTTP(S) in its agent and verifier phases
// through the sandbox's host proxy with the entry `*`; a task that does not (the default) gets no
// network at all. No public host is reachable from these machines, so the test aims both tasks at
// a server on the host's loopback: the online task's requests reach the proxy, which refuses this
// machine's addresses under a wildcard (its answer proves the route exists), the offline task has
// no route at all, and the host server sees nothing from either.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { runSuite } from "../../src/env/runner.js";
import { INTERNET_ALLOW } from "../../src/env/sandboxes.js";
import { isHostAllowed, isInternalAddress } from "../../src/sandbox/proxy.js";
import { GOOD_TASK, TOML, writeTree } from "./support.js";

let server: http.Server;
let port = 0;
const seen: string[] = [];
before(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.url ?? "");
    res.end(req.url?.startsWith("/answer/") ? "42\n" : "ok\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

test("the internet allowlist is `*`: any public host, not this machine", async () => {
  assert.deepEqual(INTERNET_ALLOW, ["*"]);
  for (const h of ["example.com", "a.b.c.example.org", "127.0.0.1", "[::1]", "10.0.0.7"])
    assert.ok(isHostAllowed(h, INTERNET_ALLOW), h);
  for (const h of ["127.0.0.1", "[::1]", "10.0.0.7"]) assert.ok(isInternalAddress(h), h);
  assert.ok(!isInternalAddress("93.184.215.14"));
});

const task = (internet: boolean, name: string) => ({
  ...GOOD_TASK,
  "task.toml": `${TOML()}[environment]\nallow_internet = ${internet}\n`,
  // Record what the agent phase got: the proxy's answer, or curl's failure to connect at all.
  "solution/solve.sh": `#!/bin/bash\ncurl -s --max-time 20 http://127.0.0.1:${port}/answer/${name} > answer.txt 2>&1; echo "curl exit $?" >> answer.txt\n`,
  // Reward 1 only if both phases reached the proxy (which answered that the host is internal).
  "tests/test.sh":
    `#!/bin/bash\nif grep -q "internal address" answer.txt && curl -s --max-time 20 http://127.0.0.1:${port}/verdict/${name} | grep -q "internal address"; then ` +
    "echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi\n",
});

test("allow_internet = true routes both phases through the proxy; the default gets no network; the host sees neither", async () => {
  const suite = writeTree({});
  writeTree(task(true, "online"), path.join(suite, "online"));
  writeTree(task(false, "offline"), path.join(suite, "offline"));
  const report = await runSuite({
    path: suite,
    agent: "oracle",
    home: mkdtempSync(path.join(os.tmpdir(), "ratchet-env-home-")),
    attempts: 1,
    concurrency: 1,
  });
  const byTask = Object.fromEntries(report.results.map((r) => [r.task, r]));
  assert.equal(byTask.online.status, "passed", byTask.online.verifierOutput);
  assert.equal(byTask.online.reward, 1);
  assert.match(byTask.online.notes.join("\n"), /any public host through the sandbox proxy/);
  assert.equal(byTask.offline.status, "failed");
  assert.equal(byTask.offline.reward, 0);
  assert.deepEqual(byTask.offline.notes, []);
  assert.deepEqual(seen, [], "the host's loopback server was reached from a sandbox");
});
