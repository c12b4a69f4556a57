import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { createExecTool } from "../../src/tools/exec.js";
import type { ExecBackend, ExecRequest, ExecResult } from "../../src/tools/exec-backend.js";
import { createWorkspace } from "../../src/tools/workspace.js";
import { ctx, tempTree } from "./helpers.js";

const tree = tempTree();
after(() => tree.cleanup());
const workspace = createWorkspace(tree.dir);

function fake(result: Partial<ExecResult>): ExecBackend & { requests: ExecRequest[] } {
  const requests: ExecRequest[] = [];
  const base = {
    exitCode: 0,
    signal: null,
    timedOut: false,
    aborted: false,
    output: "",
    truncated: false,
    durationMs: 1,
  };
  return {
    requests,
    async run(req) {
      requests.push(req);
      return { ...base, ...result };
    },
  };
}

describe("exec tool", () => {
  it("runs on the host in the workspace root with an exit-code footer", async () => {
    const tool = createExecTool({ workspace });
    const ok = await tool.execute({ command: "pwd" }, ctx());
    assert.deepEqual(ok, { content: `${tree.dir}\n[exit code 0]`, isError: false });
    const bad = await tool.execute({ command: "echo oops >&2; exit 2" }, ctx());
    assert.deepEqual(bad, { content: "oops\n[exit code 2]", isError: true });
    assert.equal((await tool.execute({ command: "true" }, ctx())).content, "(no output)\n[exit code 0]");
  });

  it("reports timeouts, aborts and signals as errors", async () => {
    const timedOut = await createExecTool({
      workspace,
      exec: fake({ exitCode: null, signal: "SIGTERM", timedOut: true, output: "partial\n" }),
    }).execute({ command: "x", timeout: 5 }, ctx());
    assert.deepEqual(timedOut, {
      content: "partial\n[timed out after 5s; process group killed]",
      isError: true,
    });
    const aborted = await createExecTool({
      workspace,
      exec: fake({ exitCode: null, aborted: true }),
    }).execute({ command: "x" }, ctx());
    assert.equal(aborted.content, "(no output)\n[aborted; process group killed]");
    const killed = await createExecTool({
      workspace,
      exec: fake({ exitCode: null, signal: "SIGKILL" }),
    }).execute({ command: "x" }, ctx());
    assert.deepEqual(killed, { content: "(no output)\n[killed by SIGKILL]", isError: true });
  });

  it("passes timeout, output cap, cwd and signal to the backend", async () => {
    const backend = fake({});
    const signal = new AbortController().signal;
    await createExecTool({ workspace, exec: backend }).execute({ command: "a" }, ctx(signal));
    await createExecTool({
      workspace,
      exec: backend,
      defaultTimeoutSeconds: 30,
      maxOutputBytes: 5000,
    }).execute({ command: "b" }, ctx());
    await createExecTool({ workspace, exec: backend }).execute({ command: "c", timeout: 99_999 }, ctx());
    const [a, b, c] = backend.requests;
    assert.deepEqual([a.timeoutMs, a.maxOutputBytes, a.cwd, a.signal], [120_000, 30_000, tree.dir, signal]);
    assert.deepEqual([b.timeoutMs, b.maxOutputBytes], [30_000, 5000]);
    assert.equal(c.timeoutMs, 1_800_000);
  });
});
