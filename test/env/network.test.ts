// allow_internet: a task that allows it gets outbound HTTP(S) in its agent and verifier phases
// through the sandbox's host proxy with the allow-all entry `*`; a task that does not (the
// default) gets no network at all. The upstream is a loopback server on the host: the sandbox has
// its own network namespace, so 127.0.0.1 inside it is not the host's, and a request can reach
// the host server only by going through the proxy (which does not refuse loopback destinations).
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { runSuite } from "../../src/env/runner.js";
import { INTERNET_ALLOW } from "../../src/env/sandboxes.js";
import { hostMatches, isHostAllowed, startAllowlistProxy } from "../../src/sandbox/proxy.js";
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

test("the internet allowlist is `*`, which admits any host name or address", async () => {
  assert.deepEqual(INTERNET_ALLOW, ["*"]);
  for (const h of ["example.com", "a.b.c.example.org", "127.0.0.1", "[::1]", "10.0.0.7"]) {
    assert.ok(isHostAllowed(h, INTERNET_ALLOW), h);
    assert.ok(hostMatches(h, "*"), h);
  }
  // Through the proxy itself: a loopback upstream is forwarded, not refused.
  const dir = mkdtempSync(path.join(os.tmpdir(), "ratchet-net-"));
  const socketPath = path.join(dir, "p.sock");
  const proxy = await startAllowlistProxy({ allow: INTERNET_ALLOW, socketPath });
  try {
    const url = `http://127.0.0.1:${port}/probe`;
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.request({ socketPath, path: url, headers: { host: `127.0.0.1:${port}` } }, (res) => {
        let b = "";
        res.on("data", (d) => {
          b += d;
        });
        res.on("end", () => resolve(`${res.statusCode} ${b}`));
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(body, "200 ok\n");
  } finally {
    await proxy.close();
  }
});

const task = (internet: boolean, name: string) => ({
  ...GOOD_TASK,
  "task.toml": `${TOML()}[environment]\nallow_internet = ${internet}\n`,
  "solution/solve.sh": `#!/bin/bash\ncurl -sf --max-time 20 http://127.0.0.1:${port}/answer/${name} > answer.txt\n`,
  // The verifier needs the network too: it passes only if it can fetch its verdict.
  "tests/test.sh":
    `#!/bin/bash\nif curl -sf --max-time 20 http://127.0.0.1:${port}/verdict/${name} >/dev/null && ` +
    '[ "$(cat answer.txt 2>/dev/null)" = 42 ]; then echo 1 > /logs/verifier/reward.txt; ' +
    "else echo 0 > /logs/verifier/reward.txt; fi\n",
});

test("allow_internet = true reaches the network in agent and verifier phases; the default gets none", async () => {
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
  assert.match(byTask.online.notes.join("\n"), /outbound HTTP\(S\) to any host through the sandbox proxy/);
  assert.equal(byTask.offline.status, "failed");
  assert.equal(byTask.offline.reward, 0);
  assert.deepEqual(byTask.offline.notes, []);
  assert.ok(seen.includes("/answer/online"), "the agent phase reached the host");
  assert.ok(seen.includes("/verdict/online"), "the verifier phase reached the host");
  assert.deepEqual(
    seen.filter((u) => u.endsWith("/offline")),
    [],
    "nothing from the task without internet",
  );
});
