import assert from "node:assert/strict";
import { test } from "node:test";
import { type LoopConfig, runAgentLoop } from "../../src/loop/agent-loop.js";
import type { AgentEvent } from "../../src/loop/events.js";
import { type AnyTool, ToolError } from "../../src/loop/tool.js";
import type { Message, ToolResultMessage } from "../../src/models/types.js";
import { scriptedStream, type Turn, testModel } from "../support/scripted-stream.js";

const echo: AnyTool = {
  name: "echo",
  description: "Echo text.",
  parameters: {
    type: "object",
    properties: { text: { type: "string" } },
    required: ["text"],
    additionalProperties: false,
  },
  async execute(args: { text: string }) {
    if (args.text === "boom") throw new Error("kaboom");
    if (args.text === "nope") throw new ToolError("not allowed here");
    return { content: `echo: ${args.text}` };
  },
};

async function run(turns: Turn[], extra: Partial<LoopConfig> = {}) {
  const s = scriptedStream(turns);
  const events: AgentEvent[] = [];
  const loop = runAgentLoop({
    model: testModel,
    stream: s.fn,
    systemPrompt: "sys",
    tools: [echo],
    messages: [{ role: "user", content: "go" }],
    ...extra,
  });
  for await (const ev of loop) events.push(ev);
  return { result: await loop.result, events, calls: s.calls };
}

const results = (msgs: Message[]) => msgs.filter((m): m is ToolResultMessage => m.role === "toolResult");

test("two steps: a tool call, then an answer", async () => {
  const { result, events, calls } = await run([
    { calls: [{ name: "echo", args: { text: "hi" } }], tokens: 10, cost: 0.01 },
    { text: "done", tokens: 20, cost: 0.02 },
  ]);
  assert.equal(result.status, "completed");
  assert.equal(result.finalText, "done");
  assert.equal(result.steps, 2);
  assert.equal(result.toolCalls, 1);
  assert.equal(result.usage.input, 30);
  assert.ok(Math.abs(result.usage.cost.total - 0.03) < 1e-9);
  assert.deepEqual(
    result.messages.map((m) => m.role),
    ["assistant", "toolResult", "assistant"],
  );
  assert.equal(results(result.messages)[0].content, "echo: hi");
  assert.deepEqual(
    events.map((e) => e.type).filter((t) => t !== "model"),
    [
      "run_start",
      "step_start",
      "message",
      "step_end",
      "tool_start",
      "message",
      "tool_end",
      "step_start",
      "message",
      "step_end",
      "run_end",
    ],
  );
  // Append-only: the second request starts with exactly the first request's messages.
  assert.deepEqual(calls[1].messages.slice(0, calls[0].messages.length), calls[0].messages);
  assert.equal(calls[0].tools[0].name, "echo");
});

test("unknown tool, malformed JSON, schema violations and exceptions become error results the model reads", async () => {
  const { result } = await run([
    {
      calls: [
        { name: "nosuch", args: {} },
        { name: "echo", invalid: '{"text": "unterminated' },
        { name: "echo", args: { text: 5 } },
        { name: "echo", args: {} },
        { name: "echo", args: { text: "boom" } },
        { name: "echo", args: { text: "nope" } },
      ],
    },
    { text: "recovered" },
  ]);
  assert.equal(result.status, "completed");
  const r = results(result.messages);
  assert.equal(r.length, 6);
  assert.ok(r.every((m) => m.isError));
  assert.match(r[0].content, /unknown tool "nosuch".*Available tools: echo/);
  assert.match(r[1].content, /not a valid JSON object.*unterminated/);
  assert.match(r[2].content, /invalid arguments for echo: text: .*string/);
  assert.match(r[3].content, /required property "text"/);
  assert.match(r[4].content, /echo failed: kaboom/);
  assert.equal(r[5].content, "Error: not allowed here");
});

test("before/after tool hooks can deny and rewrite", async () => {
  const { result } = await run(
    [
      {
        calls: [
          { name: "echo", args: { text: "a" } },
          { name: "echo", args: { text: "b" } },
        ],
      },
      { text: "ok" },
    ],
    {
      beforeToolCall: async (call) => (call.arguments.text === "a" ? { deny: "policy says no" } : undefined),
      afterToolCall: async (_call, r) => ({ ...r, content: r.content.toUpperCase() }),
    },
  );
  const r = results(result.messages);
  assert.equal(r[0].content, "DENIED: POLICY SAYS NO");
  assert.equal(r[0].isError, true);
  assert.equal(r[1].content, "ECHO: B");
});

test("step, token and cost budgets end the run with status limit", async () => {
  const loopy: Turn[] = Array.from({ length: 10 }, () => ({
    calls: [{ name: "echo", args: { text: "x" } }],
    tokens: 100,
    cost: 0.5,
  }));
  const steps = await run(loopy, { budget: { maxSteps: 3 } });
  assert.equal(steps.result.status, "limit");
  assert.equal(steps.result.limit, "steps");
  assert.equal(steps.result.steps, 3);
  // Every tool call of the last step still got its result: the history stays valid to continue.
  assert.equal(results(steps.result.messages).length, 3);
  const tokens = await run(loopy, { budget: { maxTokens: 250 } });
  assert.equal(tokens.result.limit, "tokens");
  assert.equal(tokens.result.steps, 3);
  const cost = await run(loopy, { budget: { maxCost: 1 } });
  assert.equal(cost.result.limit, "cost");
  assert.equal(cost.result.steps, 2);
  assert.match(cost.result.reason ?? "", /cost limit of \$1/);
});

test("wall-time budget aborts a hung model call", async () => {
  const { result } = await run([{ hang: true }], { budget: { maxWallMs: 50 } });
  assert.equal(result.status, "limit");
  assert.equal(result.limit, "time");
});

test("the caller's abort signal ends the run as aborted", async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 20);
  const { result } = await run([{ hang: true }], { signal: controller.signal });
  assert.equal(result.status, "aborted");
});

test("a failed model call ends the run with status error and the reason", async () => {
  const { result } = await run([
    { calls: [{ name: "echo", args: { text: "x" } }] },
    { error: "HTTP 400: bad request" },
  ]);
  assert.equal(result.status, "error");
  assert.equal(result.reason, "HTTP 400: bad request");
  assert.equal(result.steps, 2);
});

test("steering skips the rest of the step's calls; follow-ups continue a finished run", async () => {
  let steered = false;
  let followed = false;
  const { result, calls } = await run(
    [
      {
        calls: [
          { name: "echo", args: { text: "1" } },
          { name: "echo", args: { text: "2" } },
        ],
      },
      { text: "first answer" },
      { text: "second answer" },
    ],
    {
      getSteeringMessages: async () => {
        if (steered) return [];
        steered = true;
        return [{ role: "user", content: "change of plan" }];
      },
      getFollowUpMessages: async () => {
        if (followed) return [];
        followed = true;
        return [{ role: "user", content: "and then?" }];
      },
    },
  );
  const r = results(result.messages);
  assert.equal(r[0].content, "echo: 1");
  assert.match(r[1].content, /Skipped: the user sent a new message/);
  assert.equal(result.finalText, "second answer");
  const lastUser = calls[1].messages.at(-1);
  assert.deepEqual(lastUser, { role: "user", content: "change of plan" });
  assert.equal(calls[2].messages.at(-1)?.role, "user");
});

test("stopWhen and transformContext are honoured", async () => {
  let seen = 0;
  const { result, calls } = await run(
    Array.from({ length: 5 }, () => ({ calls: [{ name: "echo", args: { text: "x" } }] })),
    {
      stopWhen: (s) => (s.step >= 2 ? "enough" : false),
      transformContext: async (msgs) => {
        seen = msgs.length;
        return [msgs[0]];
      },
    },
  );
  assert.equal(result.status, "limit");
  assert.equal(result.limit, "stop_condition");
  assert.equal(result.reason, "enough");
  assert.equal(seen, 3);
  assert.equal(calls[1].messages.length, 1);
});
