// A scripted model attempts a task through `ratchet env run` (the CLI as a process): each attempt
// gets its own session header, the steps are recorded, and the ATIF and chat JSONL exports
// validate against the schemas written from their specs. The exporters are also checked on a
// hand-built trajectory with reasoning, several tool calls and an error observation.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { toAtif } from "../../src/env/atif.js";
import { toChatRecord } from "../../src/env/chat-jsonl.js";
import { ATIF_SCHEMA, CHAT_LINE_SCHEMA } from "../../src/env/schemas.js";
import { TrajectoryRecorder } from "../../src/env/trajectory.js";
import { type ScriptedRequest, startScriptedServer } from "../../src/testkit/scripted-server.js";
import { validate } from "../../src/util/json-schema.js";
import { ratchet, sandbox } from "../support/cli.js";
import { GOOD_TASK, writeTree } from "./support.js";

// Calls exec once, then answers "done" once it has seen the tool result.
const script = (req: ScriptedRequest) => {
  const last = req.json.messages.at(-1);
  return last?.role === "tool"
    ? { text: "done", usage: { input: 300, output: 5, cacheRead: 200 } }
    : {
        reasoning: "The test wants 42 in answer.txt.",
        text: "Writing the answer.",
        toolCalls: [{ name: "exec", arguments: { command: "echo 42 > answer.txt" } }],
        usage: { input: 200, output: 20 },
      };
};

test("a scripted model's attempts: per-attempt session headers, trajectories valid against the schemas", async () => {
  const fn = await startScriptedServer((req) => script(req), { models: ["x"] });
  try {
    const suite = writeTree({});
    writeTree(GOOD_TASK, path.join(suite, "good"));
    const sb = sandbox({
      models: { "openai/scripted": { pricing: { input: 1, output: 2, cacheRead: 0.1 } } },
    });
    const out = mkdtempSync(path.join(os.tmpdir(), "ratchet-env-out-"));
    const r = await ratchet(
      [
        "env",
        "run",
        suite,
        "--model",
        "openai/scripted",
        "--base-url",
        fn.openaiBaseUrl,
        "--header",
        "X-Rollout: {task}/{attempt}",
        "--attempts",
        "2",
        "--out",
        out,
      ],
      sb.env,
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /good\s+2\/2\s+1\.00/);
    const rollouts = fn.requests.map((q) => q.headers["x-rollout"]).sort();
    assert.deepEqual([...new Set(rollouts)], ["good/1", "good/2"]);
    const sessions = new Set(fn.requests.map((q) => q.headers["x-session-id"]));
    assert.equal(sessions.size, 2, "one automatic X-Session-Id per attempt");

    const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8"));
    assert.equal(report.totals.passed, 2);
    assert.equal(report.tasks[0].tokens.input, 2 * (200 + 300 + 200));
    for (const a of [1, 2]) {
      const dir = path.join(out, "good", `attempt-${a}`);
      const atif = JSON.parse(readFileSync(path.join(dir, "trajectory.json"), "utf8"));
      assert.deepEqual(validate(ATIF_SCHEMA, atif), []);
      assert.deepEqual(
        atif.steps.map((s: { source: string }) => s.source),
        ["user", "agent", "agent"],
      );
      const call = atif.steps[1].tool_calls[0];
      assert.equal(call.function_name, "exec");
      assert.equal(atif.steps[1].observation.results[0].source_call_id, call.tool_call_id);
      assert.equal(atif.steps[1].reasoning_content, "The test wants 42 in answer.txt.");
      assert.equal(atif.agent.model_name, "openai/scripted");
      assert.equal(atif.final_metrics.total_prompt_tokens, 700);
      assert.equal(atif.final_metrics.total_cached_tokens, 200);
      assert.equal(atif.extra.reward, 1);
      assert.equal(atif.extra.exit_reason, "completed");
      const lines = readFileSync(path.join(dir, "chat.jsonl"), "utf8").trim().split("\n");
      assert.equal(lines.length, 1);
      const chat = JSON.parse(lines[0]);
      assert.deepEqual(validate(CHAT_LINE_SCHEMA, chat), []);
      assert.deepEqual(
        chat.messages.map((m: { role: string }) => m.role),
        ["system", "user", "assistant", "tool", "assistant"],
      );
      assert.ok(chat.tools.some((t: { function: { name: string } }) => t.function.name === "exec"));
      // steps.jsonl was written while the attempt ran, one line per step.
      assert.equal(readFileSync(path.join(dir, "steps.jsonl"), "utf8").trim().split("\n").length, 3);
    }
  } finally {
    await fn.close();
  }
});

test("exporters: several tool calls, an error observation and a no-tool final step stay valid", () => {
  const rec = new TrajectoryRecorder({
    sessionId: "s1",
    task: "t",
    attempt: 1,
    agent: { name: "ratchet", version: "0.1.0", model: "p/m" },
    tools: [{ name: "read", description: "read a file", parameters: { type: "object" } }],
  });
  rec.trajectory.systemPrompt = "be brief";
  rec.add({ source: "user", message: "do it" });
  const usage = {
    input: 10,
    output: 2,
    cacheRead: 0,
    cacheWrite: 0,
    totalTokens: 12,
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0.5 },
  };
  const calls = [
    { type: "toolCall" as const, id: "a", name: "read", arguments: { path: "x" } },
    { type: "toolCall" as const, id: "b", name: "read", arguments: { path: "y" } },
  ];
  rec.onEvent({ type: "step_start", step: 1 });
  rec.onEvent({
    type: "message",
    message: { role: "assistant", content: calls, stopReason: "toolUse", usage, model: "p/m" },
  });
  for (const [i, c] of calls.entries())
    rec.onEvent({
      type: "tool_end",
      call: c,
      result: {
        role: "toolResult",
        toolCallId: c.id,
        toolName: "read",
        content: i ? "Error: missing" : "ok",
        isError: i === 1,
      },
      durationMs: 3,
    });
  rec.onEvent({
    type: "message",
    message: {
      role: "assistant",
      content: [{ type: "text", text: "fin" }],
      stopReason: "stop",
      usage,
      model: "p/m",
    },
  });
  const t = rec.finish({ exitReason: "completed", reward: 0.5 });
  assert.equal(t.steps.length, 3);
  assert.equal(t.steps[1].observations?.length, 2);
  const atif = toAtif(t);
  assert.deepEqual(validate(ATIF_SCHEMA, atif), []);
  assert.deepEqual((atif.final_metrics as { total_cost_usd: number }).total_cost_usd, 1);
  const chat = toChatRecord(t);
  assert.deepEqual(validate(CHAT_LINE_SCHEMA, chat), []);
  assert.deepEqual(
    chat.messages.map((m) => m.role),
    ["system", "user", "assistant", "tool", "tool", "assistant"],
  );
  // The schemas do reject what they should.
  assert.notDeepEqual(validate(ATIF_SCHEMA, { ...atif, steps: [] }), []);
  assert.notDeepEqual(validate(CHAT_LINE_SCHEMA, { messages: [{ role: "tool", content: "x" }] }), []);
});

test("the CLI prints invalid tasks with their reasons and exits 1; the valid ones still run", async () => {
  const suite = writeTree({});
  writeTree(GOOD_TASK, path.join(suite, "good"));
  writeTree({ ...GOOD_TASK, "tests/test.sh": "#!/bin/bash\necho checked\n" }, path.join(suite, "no-reward"));
  const sb = sandbox();
  const r = await ratchet(["env", "run", suite, "--agent", "oracle"], sb.env);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /good\s+1\/1/);
  assert.match(r.stdout, /no-reward\s+invalid/);
  assert.match(r.stdout, /invalid: no-reward: tests\/test\.sh wrote no reward/);
});

// What a vLLM server with return_token_ids and logprobs sends, per reply (first call, then final).
const TOKENS = [
  {
    promptIds: [151644, 8948, 198, 2610, 525],
    completionIds: [8144, 279, 4226, 13],
    logprobs: [-0.5, -0.01, -1.25, 0],
  },
  {
    promptIds: [151644, 8948, 198, 2610, 525, 9, 10, 11],
    completionIds: [10438, 151645],
    logprobs: [-0.125, -2],
  },
];
const tokenScript = (req: ScriptedRequest) => {
  const reply = script(req);
  return { ...reply, tokens: TOKENS[req.json.messages.at(-1)?.role === "tool" ? 1 : 0] };
};

async function runTokens(flags: string[]) {
  const fn = await startScriptedServer((req) => tokenScript(req), { models: ["x"] });
  try {
    const suite = writeTree({});
    writeTree(GOOD_TASK, path.join(suite, "good"));
    const out = mkdtempSync(path.join(os.tmpdir(), "ratchet-env-out-"));
    const args = ["env", "run", suite, "--model", "openai/scripted", "--base-url", fn.openaiBaseUrl];
    const r = await ratchet([...args, "--out", out, ...flags], sandbox().env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const dir = path.join(out, "good", "attempt-1");
    const atif = JSON.parse(readFileSync(path.join(dir, "trajectory.json"), "utf8"));
    assert.deepEqual(validate(ATIF_SCHEMA, atif), []);
    return { atif, bodies: fn.requests.map((q) => q.json) };
  } finally {
    await fn.close();
  }
}

test("--token-ids: token ids and logprobs reach the ATIF export exactly as the server sent them", async () => {
  const { atif, bodies } = await runTokens(["--token-ids"]);
  assert.equal(bodies.length, 2);
  for (const b of bodies) {
    assert.equal(b.logprobs, true);
    assert.equal(b.return_token_ids, true);
  }
  const [user, first, last] = atif.steps;
  assert.equal(user.source, "user");
  assert.equal(user.extra.trainable, false);
  assert.equal(user.metrics, undefined);
  for (const [i, step] of [first, last].entries()) {
    assert.equal(step.source, "agent");
    assert.equal(step.extra.trainable, true);
    assert.deepEqual(step.metrics.prompt_token_ids, TOKENS[i].promptIds);
    assert.deepEqual(step.metrics.completion_token_ids, TOKENS[i].completionIds);
    assert.deepEqual(step.metrics.logprobs, TOKENS[i].logprobs);
  }
  assert.deepEqual(atif.extra.rollout_details, [
    {
      prompt_token_ids: TOKENS.map((t) => t.promptIds),
      completion_token_ids: TOKENS.map((t) => t.completionIds),
      logprobs: TOKENS.map((t) => t.logprobs),
      extra: { step_id: [2, 3] },
    },
  ]);
});

test("without --token-ids nothing is asked for and no token details are exported", async () => {
  const { atif, bodies } = await runTokens([]);
  for (const b of bodies) {
    assert.equal("logprobs" in b, false);
    assert.equal("return_token_ids" in b, false);
  }
  for (const step of atif.steps) {
    for (const k of ["prompt_token_ids", "completion_token_ids", "logprobs"])
      assert.equal(step.metrics?.[k], undefined, k);
  }
  assert.equal(atif.extra.rollout_details, undefined);
  assert.equal(atif.steps[1].extra.trainable, true, "still a model-generated turn");
});

test("rollout_details: only complete model turns are trainable; the schema rejects malformed token data", () => {
  const rec = new TrajectoryRecorder({
    sessionId: "s2",
    task: "t",
    attempt: 1,
    agent: { name: "ratchet", version: "0.1.0", model: "p/m" },
  });
  rec.add({ source: "user", message: "do it" });
  const usage = {
    input: 5,
    output: 2,
    cacheRead: 0,
    cacheWrite: 0,
    totalTokens: 7,
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
  };
  const text = (t: string) => [{ type: "text" as const, text: t }];
  rec.onEvent({
    type: "message",
    message: {
      role: "assistant",
      content: text("par"),
      stopReason: "error",
      errorMessage: "stream interrupted",
      usage,
      model: "p/m",
      tokens: { completionIds: [7, 8], logprobs: [-1, -2] },
    },
  });
  // Logprobs only (a server without token ids): recorded as sent, no ids invented.
  rec.onEvent({
    type: "message",
    message: {
      role: "assistant",
      content: text("fin"),
      stopReason: "stop",
      usage,
      model: "p/m",
      tokens: { logprobs: [-0.5, -0.25] },
    },
  });
  const atif = toAtif(rec.finish({ exitReason: "completed", reward: 1 })) as {
    steps: { extra: { trainable: boolean }; metrics?: Record<string, unknown> }[];
    extra: Record<string, unknown>;
  };
  assert.deepEqual(validate(ATIF_SCHEMA, atif), []);
  assert.deepEqual(
    atif.steps.map((s) => s.extra.trainable),
    [false, false, true],
  );
  assert.deepEqual(atif.steps[1].metrics?.completion_token_ids, [7, 8], "kept, though not trainable");
  assert.deepEqual(atif.extra.rollout_details, [{ logprobs: [[-0.5, -0.25]], extra: { step_id: [3] } }]);
  const bad = (metrics: Record<string, unknown>) => ({
    ...atif,
    steps: atif.steps.map((s, i) => (i === 2 ? { ...s, metrics: { ...s.metrics, ...metrics } } : s)),
  });
  assert.notDeepEqual(validate(ATIF_SCHEMA, bad({ completion_token_ids: [1.5] })), []);
  assert.notDeepEqual(validate(ATIF_SCHEMA, bad({ logprobs: [0.5] })), []);
  assert.notDeepEqual(
    validate(ATIF_SCHEMA, { ...atif, extra: { rollout_details: [{ completion_token_ids: [1] }] } }),
    [],
  );
});
