// anthropic-messages against the scripted server over real loopback sockets, plus request shape.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anthropicUrl, buildAnthropicRequest, streamAnthropic } from "../../src/models/anthropic-messages.js";
import { emptyUsage, type Message, type ModelContext, type ModelSpec } from "../../src/models/types.js";
import type { ScriptedServer, ScriptedTurn } from "../../src/testkit/scripted-server.js";
import { calls, closedPort, collect, deltas, model, TRICKY, withServer as withServerFor } from "./helpers.js";

const tools = [
  {
    name: "read_file",
    description: "Read a file.",
    parameters: { type: "object", properties: { path: { type: "string" } } },
  },
  {
    name: "grep",
    description: "Search.",
    parameters: { type: "object", properties: { pattern: { type: "string" } } },
  },
];
const ctx = (messages: Message[] = [{ role: "user", content: "hi" }]): ModelContext => ({
  systemPrompt: "You are terse.",
  messages,
  tools,
});

const withServer = (
  script: ScriptedTurn[],
  fn: (srv: ScriptedServer, m: ModelSpec) => Promise<void>,
  extra?: Partial<ModelSpec>,
) => withServerFor("anthropic-messages", script, fn, extra);
const EPHEMERAL = { type: "ephemeral" };

describe("anthropic-messages: streaming over loopback", () => {
  it("streams text in several deltas", async () => {
    await withServer([{ text: TRICKY }], async (_srv, m) => {
      const { events, message } = await collect(streamAnthropic(m, ctx()));
      assert.equal(message.stopReason, "stop");
      assert.deepEqual(message.content, [{ type: "text", text: TRICKY }]);
      assert.equal(deltas(events, "text_delta"), TRICKY);
      assert.ok(events.filter((e) => e.type === "text_delta").length > 3);
    });
  });

  it("keeps thinking with its signature", async () => {
    await withServer([{ reasoning: "Let me think… é", text: "42" }], async (_srv, m) => {
      const { events, message } = await collect(streamAnthropic(m, ctx()));
      const [thinking, text] = message.content;
      assert.ok(
        thinking.type === "thinking" && thinking.thinking === "Let me think… é" && thinking.signature,
      );
      assert.deepEqual(text, { type: "text", text: "42" });
      assert.equal(deltas(events, "thinking_delta"), "Let me think… é");
    });
  });

  it("assembles two tool calls whose input_json deltas split escapes and UTF-8, over 3-byte writes", async () => {
    const escaped = '{"s":"h\\u00e9llo \\"quoted\\" \\\\ \\ud83d\\ude00"}';
    for (const splitBytes of [false, true]) {
      const script: ScriptedTurn[] = [
        {
          splitBytes,
          chunkSize: 3,
          text: "Two calls.",
          toolCalls: [
            { id: "toolu_A", name: "read_file", arguments: escaped },
            { name: "grep", arguments: { pattern: TRICKY } },
          ],
        },
      ];
      await withServer(script, async (_srv, m) => {
        const { events, message } = await collect(streamAnthropic(m, ctx()));
        assert.equal(message.stopReason, "toolUse");
        assert.deepEqual(message.content[0], { type: "text", text: "Two calls." });
        const [a, b] = calls(message.content);
        assert.deepEqual(a, {
          type: "toolCall",
          id: "toolu_A",
          name: "read_file",
          arguments: { s: 'héllo "quoted" \\ 😀' },
        });
        assert.deepEqual([b.name, b.arguments], ["grep", { pattern: TRICKY }]);
        assert.equal(deltas(events, "toolcall_delta", "toolu_A"), escaped);
      });
    }
  });

  it("reports usage with cache reads and writes and prices it", async () => {
    const pricing = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
    await withServer(
      [{ text: "ok", usage: { input: 100, output: 50, cacheRead: 4000, cacheWrite: 1000 } }],
      async (_srv, m) => {
        const u = (await collect(streamAnthropic(m, ctx()))).message.usage;
        assert.deepEqual(
          [u.input, u.output, u.cacheRead, u.cacheWrite, u.totalTokens],
          [100, 50, 4000, 1000, 5150],
        );
        const expected = (100 * 3 + 50 * 15 + 4000 * 0.3 + 1000 * 3.75) / 1e6;
        assert.ok(Math.abs(u.cost.total - expected) < 1e-12);
      },
      { pricing },
    );
  });

  it("maps stop reasons", async () => {
    await withServer(
      [
        { text: "cut", finishReason: "max_tokens" },
        { text: "no", finishReason: "refusal" },
      ],
      async (_srv, m) => {
        assert.equal((await collect(streamAnthropic(m, ctx()))).message.stopReason, "length");
        const refused = (await collect(streamAnthropic(m, ctx()))).message;
        assert.deepEqual([refused.stopReason, refused.retryable], ["error", false]);
      },
    );
  });

  it("a tool call with no input deltas has {} arguments and is valid", async () => {
    await withServer([{ toolCalls: [{ name: "list", arguments: "" }] }], async (_srv, m) => {
      const [call] = calls((await collect(streamAnthropic(m, ctx()))).message.content);
      assert.deepEqual([call.name, call.arguments, call.invalidArguments], ["list", {}, undefined]);
    });
  });

  it("turns malformed input JSON into invalidArguments", async () => {
    await withServer([{ toolCalls: [{ name: "grep", arguments: '{"pattern": "x' }] }], async (_srv, m) => {
      const [call] = calls((await collect(streamAnthropic(m, ctx()))).message.content);
      assert.deepEqual([call.arguments, call.invalidArguments], [{}, '{"pattern": "x']);
    });
  });
});

describe("anthropic-messages: failures never throw", () => {
  it("429 is retryable with retry-after; 529 too; 400 is not", async () => {
    const limited = JSON.stringify({
      type: "error",
      error: { type: "rate_limit_error", message: "Number of request tokens has exceeded your rate limit" },
    });
    const bad = JSON.stringify({
      type: "error",
      error: { type: "invalid_request_error", message: "messages: text content blocks must be non-empty" },
    });
    const script: ScriptedTurn[] = [
      { status: 429, body: limited, headers: { "retry-after": "3" } },
      { status: 529 },
      { status: 400, body: bad },
    ];
    await withServer(script, async (_srv, m) => {
      const e429 = (await collect(streamAnthropic(m, ctx()))).message;
      assert.deepEqual([e429.stopReason, e429.retryable, e429.retryAfterMs], ["error", true, 3000]);
      assert.match(e429.errorMessage ?? "", /429.*exceeded your rate limit/);
      const e529 = (await collect(streamAnthropic(m, ctx()))).message;
      assert.deepEqual([e529.stopReason, e529.retryable], ["error", true]);
      const e400 = (await collect(streamAnthropic(m, ctx()))).message;
      assert.deepEqual([e400.stopReason, e400.retryable], ["error", false]);
      assert.match(e400.errorMessage ?? "", /must be non-empty/);
    });
  });

  it("connection refused is a retryable error", async () => {
    const m = model("anthropic-messages", `http://127.0.0.1:${await closedPort()}`);
    const { message } = await collect(streamAnthropic(m, ctx()));
    assert.deepEqual([message.stopReason, message.retryable], ["error", true]);
  });

  it("an overloaded_error event mid-stream is retryable; other error types are not", async () => {
    const script: ScriptedTurn[] = [
      { text: "partial text here", midStreamError: { message: "Overloaded", type: "overloaded_error" } },
      { text: "partial text here", midStreamError: { message: "bad", type: "invalid_request_error" } },
    ];
    await withServer(script, async (_srv, m) => {
      const first = (await collect(streamAnthropic(m, ctx()))).message;
      assert.deepEqual([first.stopReason, first.retryable], ["error", true]);
      assert.match(first.errorMessage ?? "", /Overloaded \(overloaded_error\)/);
      const second = (await collect(streamAnthropic(m, ctx()))).message;
      assert.deepEqual([second.stopReason, second.retryable], ["error", false]);
    });
  });

  it("a stream that ends before message_delta is a retryable error", async () => {
    await withServer([{ text: "half", endEarly: true }], async (_srv, m) => {
      const { message } = await collect(streamAnthropic(m, ctx()));
      assert.deepEqual([message.stopReason, message.retryable], ["error", true]);
      assert.deepEqual(message.content, [{ type: "text", text: "half" }]);
    });
  });

  it("aborting mid-stream ends with stopReason aborted", async () => {
    await withServer([{ text: "slow words ".repeat(30), delayMs: 20 }], async (_srv, m) => {
      const ac = new AbortController();
      let last: unknown;
      for await (const ev of streamAnthropic(m, ctx(), { signal: ac.signal })) {
        last = ev;
        if (ev.type === "text_delta") ac.abort();
      }
      const done = last as { type: string; message: { stopReason: string } };
      assert.deepEqual([done.type, done.message.stopReason], ["done", "aborted"]);
    });
  });
});

describe("anthropic-messages: request", () => {
  const assistant = (content: Extract<Message, { role: "assistant" }>["content"]): Message => ({
    role: "assistant",
    content,
    stopReason: "toolUse",
    usage: emptyUsage(),
    model: "test/test-model",
  });
  const history: Message[] = [
    { role: "user", content: "read a and b" },
    assistant([
      { type: "thinking", thinking: "signed", signature: "sig==" },
      { type: "thinking", thinking: "unsigned, from elsewhere" },
      { type: "text", text: "Reading." },
      { type: "toolCall", id: "t1", name: "read_file", arguments: { path: "a" } },
      { type: "toolCall", id: "t2", name: "read_file", arguments: {}, invalidArguments: "{oops" },
    ]),
    { role: "toolResult", toolCallId: "t1", toolName: "read_file", content: "A!", isError: false },
    { role: "toolResult", toolCallId: "t2", toolName: "read_file", content: "bad args", isError: true },
  ];

  it("sends cache breakpoints, merged tool results and signed thinking only", async () => {
    await withServer([{ text: "ok" }], async (srv, m) => {
      await collect(streamAnthropic(m, ctx(history)));
      const [req] = srv.requests;
      assert.equal(req.path, "/v1/messages");
      assert.equal(req.headers["x-api-key"], "sk-test");
      assert.equal(req.headers["anthropic-version"], "2023-06-01");
      const body = req.json;
      assert.deepEqual([body.model, body.max_tokens, body.stream], ["test-model", 8192, true]);
      assert.deepEqual(body.system, [{ type: "text", text: "You are terse.", cache_control: EPHEMERAL }]);
      assert.deepEqual(body.tools[0], {
        name: "read_file",
        description: "Read a file.",
        input_schema: tools[0].parameters,
      });
      assert.deepEqual(body.tools[1].cache_control, EPHEMERAL);
      assert.deepEqual(body.messages, [
        { role: "user", content: [{ type: "text", text: "read a and b" }] },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "signed", signature: "sig==" },
            { type: "text", text: "Reading." },
            { type: "tool_use", id: "t1", name: "read_file", input: { path: "a" } },
            { type: "tool_use", id: "t2", name: "read_file", input: {} },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "t1", content: "A!" },
            {
              type: "tool_result",
              tool_use_id: "t2",
              content: "bad args",
              is_error: true,
              cache_control: EPHEMERAL,
            },
          ],
        },
      ]);
    });
  });

  it("marks a plain user message as a text block with cache_control", () => {
    const req = buildAnthropicRequest(model("anthropic-messages", "https://api.anthropic.com/"), ctx(), {
      maxTokens: 10,
    });
    const body = JSON.parse(req.body);
    assert.equal(req.url, "https://api.anthropic.com/v1/messages");
    assert.equal(body.max_tokens, 10);
    assert.deepEqual(body.messages, [
      { role: "user", content: [{ type: "text", text: "hi", cache_control: EPHEMERAL }] },
    ]);
  });

  it("does not double /v1", () => {
    assert.equal(anthropicUrl("http://proxy/v1/"), "http://proxy/v1/messages");
  });

  it("changes no earlier bytes between turns except the moving cache marker", () => {
    const m = model("anthropic-messages", "http://h");
    const marker = ',"cache_control":{"type":"ephemeral"}';
    const messagesJson = (body: string) => JSON.stringify(JSON.parse(body).messages).replaceAll(marker, "");
    const first = buildAnthropicRequest(m, ctx(history.slice(0, 2))).body;
    assert.equal(buildAnthropicRequest(m, ctx(history.slice(0, 2))).body, first);
    const later = buildAnthropicRequest(m, ctx([...history, { role: "user", content: "thanks" }])).body;
    assert.ok(messagesJson(later).startsWith(messagesJson(first).slice(0, -1)));
    assert.equal(later.split(marker).length - 1, 3, "system, last tool, last message");
  });
});
