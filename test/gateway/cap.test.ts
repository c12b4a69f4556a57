// The global concurrency cap (config daemon.maxConcurrentRuns): with a cap of 1, runs of two
// sessions never overlap, and both complete.
import assert from "node:assert/strict";
import { test } from "node:test";
import { api, daemonSandbox, startDaemonProc, startReactiveModel, waitMessage } from "./support.js";

test("daemon.maxConcurrentRuns bounds the runs going at once; queued sessions still complete", async () => {
  const model = await startReactiveModel();
  const d = await startDaemonProc(daemonSandbox(model, { daemon: { maxConcurrentRuns: 1 } }));
  try {
    const text = `slow 20 ${"s".repeat(40)}`;
    const a = await api(d, "POST", "/api/sessions/messages", { text });
    const b = await api(d, "POST", "/api/sessions/messages", { text });
    let maxRunning = 0;
    let done = false;
    const watch = (async () => {
      while (!done) {
        const list = await api(d, "GET", "/api/sessions");
        const running = (list.json.sessions as { status: string }[]).filter((s) => s.status === "running");
        maxRunning = Math.max(maxRunning, running.length);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const [ra, rb] = [
      await waitMessage(d, a.json.messageId as string),
      await waitMessage(d, b.json.messageId as string),
    ];
    done = true;
    await watch;
    assert.equal(ra.status, "done");
    assert.equal(rb.status, "done");
    assert.equal(maxRunning, 1, "two runs overlapped under a cap of 1");
  } finally {
    await d.stop();
    await model.close();
  }
});
