// End to end: `ratchet run` puts the agent's commands in the sandbox by default, and running
// them on the host takes an explicit setting plus an approval per command.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ratchet, sandbox } from "../support/cli.js";
import { serve } from "../support/serve.js";

test("default run: commands work in the workspace and cannot see Ratchet's state or the home folder", async () => {
  const sb = sandbox({ limits: { maxSteps: 5 } });
  writeFileSync(path.join(path.dirname(sb.home), "secret.txt"), "HOME-SECRET");
  const command = `echo inside > in.txt; cat ${sb.home}/config.json || echo NO-STATE; cat ${path.dirname(sb.home)}/secret.txt || echo NO-HOME`;
  const server = await serve([{ toolCalls: [{ name: "exec", arguments: { command } }] }, { text: "ok" }]);
  const r = await ratchet(
    ["run", "go", "--json", "-m", "openai/x", "--base-url", server.openaiBaseUrl, "-w", sb.workspace],
    sb.env,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(path.join(sb.workspace, "in.txt"), "utf8"), "inside\n");
  const output = server.requests[1].json.messages.at(-1).content as string;
  assert.match(output, /NO-STATE/);
  assert.doesNotMatch(output, /maxSteps/);
  assert.match(output, /NO-HOME/);
  assert.doesNotMatch(output, /HOME-SECRET/);
});

test('sandbox.mode "off": every host command is held for approval when nobody can answer', async () => {
  const sb = sandbox({ sandbox: { mode: "off" } });
  const server = await serve([
    { toolCalls: [{ name: "exec", arguments: { command: "echo host > host.txt" } }] },
    { text: "held" },
  ]);
  const r = await ratchet(
    ["run", "go", "--json", "-m", "openai/x", "--base-url", server.openaiBaseUrl, "-w", sb.workspace],
    sb.env,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(existsSync(path.join(sb.workspace, "host.txt")), false);
  assert.match(server.requests[1].json.messages.at(-1).content, /held for approval.*sandbox is off/);
});
