// openai-completions against the scripted server over real loopback sockets, plus request shape.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HttpClient } from "../../src/models/http.js";
import { buildOpenAIRequest, createOpenAIStream, streamOpenAI } from "../../src/models/openai-completions.js";
import type { Message, ModelContext, ModelEvent, ModelSpec } from "../../src/models/types.js";
import type { ScriptedServer, ScriptedTurn } from "../../src/testkit/scripted-server.js";
import {
  calls,
  closedPort,
  collect,
  deltas,
  fakeHttp,
  model,
  TRICKY,
  withServer as withServerFor,
} from "./helpers.js";

const tools = [
  {
    name: "read_file",
    description: "Read a file.",
    parameters: { type: "object", properties: { path: { type: "string" } } },
  },
  {
    name: "write_file",
    description: "Write a file.",
    parameters: { type: "object", properties: { content: { type: "string" } } },
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
) => withServerFor("openai-completions", script, fn, extra);

describe("openai-completions: streaming over loopback", () => {
  it("streams text in several deltas", async () => {
    const text = `Hello! ${TRICKY}`;
    await withServer([{ text }], async (_srv, m) => {
      const { events, message } = await collect(streamOpenAI(m, ctx()));
      assert.equal(message.stopReason, "stop");
      assert.equal(message.model, "test/test-model");
      assert.deepEqual(message.content, [{ type: "text", text }]);
      assert.equal(deltas(events, "text_delta"), text);
      assert.ok(events.filter((e) => e.type === "text_delta").length > 3);
    });
  });

  it("puts reasoning_content into a thinking block before the text", async () => {
    await withServer([{ reasoning: "Think: 2+2=4.", text: "4" }], async (_srv, m) => {
      const { events, message } = await collect(streamOpenAI(m, ctx()));
      assert.deepEqual(message.content, [
        { type: "thinking", thinking: "Think: 2+2=4." },
        { type: "text", text: "4" },
      ]);
      assert.equal(deltas(events, "thinking_delta"), "Think: 2+2=4.");
    });
  });

  it("assembles two parallel tool calls whose argument deltas split escapes and UTF-8", async () => {
    const escaped = '{"s":"h\\u00e9llo \\"quoted\\" \\\\ \\ud83d\\ude00","n":[1,2]}';
    const script: ScriptedTurn[] = [
      {
        chunkSize: 3,
        toolCalls: [
          { id: "call_A", name: "read_file", arguments: escaped },
          { name: "write_file", arguments: { content: TRICKY, nested: { ok: true } } },
        ],
      },
    ];
    await withServer(script, async (_srv, m) => {
      const { events, message } = await collect(streamOpenAI(m, ctx()));
      assert.equal(message.stopReason, "toolUse");
      const [a, b] = calls(message.content);
      assert.deepEqual(a, {
        type: "toolCall",
        id: "call_A",
        name: "read_file",
        arguments: { s: 'héllo "quoted" \\ 😀', n: [1, 2] },
      });
      assert.equal(b.name, "write_file");
      assert.deepEqual(b.arguments, { content: TRICKY, nested: { ok: true } });
      assert.equal(b.invalidArguments, undefined);
      const starts = events.filter((e) => e.type === "toolcall_start");
      assert.deepEqual(
        starts.map((e) => e.type === "toolcall_start" && e.name),
        ["read_file", "write_file"],
      );
      assert.equal(deltas(events, "toolcall_delta", "call_A"), escaped);
      assert.equal(deltas(events, "toolcall_delta", b.id), JSON.stringify(b.arguments));
    });
  });

  it("survives a byte stream cut into 3-byte TCP writes", async () => {
    const script: ScriptedTurn[] = [
      {
        splitBytes: true,
        reasoning: "ré",
        text: TRICKY,
        toolCalls: [{ name: "read_file", arguments: { path: "😀/é" } }],
      },
    ];
    await withServer(script, async (_srv, m) => {
      const { message } = await collect(streamOpenAI(m, ctx()));
      assert.equal(message.stopReason, "toolUse");
      assert.deepEqual(message.content.slice(0, 2), [
        { type: "thinking", thinking: "ré" },
        { type: "text", text: TRICKY },
      ]);
      assert.deepEqual(calls(message.content)[0].arguments, { path: "😀/é" });
    });
  });

  it("reports usage with cached tokens and prices it", async () => {
    const pricing = { input: 3, output: 15, cacheRead: 0.3 };
    await withServer(
      [{ text: "ok", usage: { input: 1000, output: 200, cacheRead: 3000 } }],
      async (_srv, m) => {
        const { message } = await collect(streamOpenAI(m, ctx()));
        const u = message.usage;
        assert.deepEqual(
          [u.input, u.output, u.cacheRead, u.cacheWrite, u.totalTokens],
          [1000, 200, 3000, 0, 4200],
        );
        assert.ok(Math.abs(u.cost.total - (0.003 + 0.003 + 0.0009)) < 1e-12);
        assert.ok(Math.abs(u.cost.cacheRead - 0.0009) < 1e-12);
      },
      { pricing },
    );
  });

  it("gives plausible default usage when the script has none", async () => {
    await withServer([{ text: "x".repeat(40) }], async (_srv, m) => {
      const { message } = await collect(streamOpenAI(m, ctx()));
      assert.ok(message.usage.input > 10);
      assert.equal(message.usage.output, 10);
    });
  });

  it("maps finish reasons", async () => {
    await withServer(
      [
        { text: "cut", finishReason: "length" },
        { text: "bad", finishReason: "content_filter" },
      ],
      async (_srv, m) => {
        assert.equal((await collect(streamOpenAI(m, ctx()))).message.stopReason, "length");
        const filtered = (await collect(streamOpenAI(m, ctx()))).message;
        assert.equal(filtered.stopReason, "error");
        assert.match(filtered.errorMessage ?? "", /content filter/);
        assert.equal(filtered.retryable, false);
      },
    );
  });

  it("turns malformed or non-object arguments into invalidArguments", async () => {
    const script: ScriptedTurn[] = [
      {
        toolCalls: [
          { name: "read_file", arguments: '{"path": "a.txt",' },
          { name: "write_file", arguments: "[1,2]" },
        ],
      },
    ];
    await withServer(script, async (_srv, m) => {
      const { message } = await collect(streamOpenAI(m, ctx()));
      assert.equal(message.stopReason, "toolUse");
      const [a, b] = calls(message.content);
      assert.deepEqual([a.arguments, a.invalidArguments], [{}, '{"path": "a.txt",']);
      assert.deepEqual([b.arguments, b.invalidArguments], [{}, "[1,2]"]);
    });
  });
});

describe("openai-completions: edge cases", () => {
  it("a tool call with empty argument text has {} arguments and is valid", async () => {
    await withServer([{ toolCalls: [{ name: "list", arguments: "" }] }], async (_srv, m) => {
      const [call] = calls((await collect(streamOpenAI(m, ctx()))).message.content);
      assert.deepEqual([call.name, call.arguments, call.invalidArguments], ["list", {}, undefined]);
    });
  });

  it("abort wins even when the transport stalls and never yields again", async () => {
    const first = Buffer.from('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n');
    const stalled: HttpClient = async () => ({
      status: 200,
      headers: { "content-type": "text/event-stream" },
      body: (async function* () {
        yield first;
        await new Promise(() => {}); // never resolves
      })(),
      text: async () => "",
    });
    const ac = new AbortController();
    const events: ModelEvent[] = [];
    for await (const ev of createOpenAIStream(stalled)(model("openai-completions", "http://x/v1"), ctx(), {
      signal: ac.signal,
    })) {
      events.push(ev);
      if (ev.type === "text_delta") setTimeout(() => ac.abort(), 5);
    }
    const done = events.at(-1);
    assert.ok(done?.type === "done");
    assert.equal(done.message.stopReason, "aborted");
    assert.deepEqual(done.message.content, [{ type: "text", text: "hi" }]);
  });
});

describe("openai-completions: failures never throw", () => {
  it("429 is retryable and carries retry-after", async () => {
    const body = JSON.stringify({
      error: { message: "Rate limit reached for requests", type: "requests", code: "rate_limit_exceeded" },
    });
    await withServer([{ status: 429, body, headers: { "retry-after": "2" } }], async (_srv, m) => {
      const { message } = await collect(streamOpenAI(m, ctx()));
      assert.equal(message.stopReason, "error");
      assert.equal(message.retryable, true);
      assert.equal(message.retryAfterMs, 2000);
      assert.match(message.errorMessage ?? "", /429.*Rate limit reached for requests/);
    });
  });

  it("500 is retryable, 400 is not", async () => {
    const bad = JSON.stringify({
      error: { message: "Invalid 'messages[1].content'", type: "invalid_request_error" },
    });
    await withServer([{ status: 500 }, { status: 400, body: bad }], async (_srv, m) => {
      const e500 = (await collect(streamOpenAI(m, ctx()))).message;
      assert.deepEqual([e500.stopReason, e500.retryable], ["error", true]);
      assert.match(e500.errorMessage ?? "", /HTTP 500/);
      const e400 = (await collect(streamOpenAI(m, ctx()))).message;
      assert.deepEqual([e400.stopReason, e400.retryable], ["error", false]);
      assert.match(e400.errorMessage ?? "", /HTTP 400.*Invalid 'messages\[1\]\.content'/);
    });
  });

  it("connection refused is a retryable error", async () => {
    const m = model("openai-completions", `http://127.0.0.1:${await closedPort()}/v1`);
    const { message } = await collect(streamOpenAI(m, ctx()));
    assert.deepEqual([message.stopReason, message.retryable], ["error", true]);
    assert.match(message.errorMessage ?? "", /ECONNREFUSED/);
  });

  it("a mid-stream error keeps the partial text and says whether to retry", async () => {
    const script: ScriptedTurn[] = [
      {
        text: "partial answer here",
        midStreamError: { message: "The server had an error", type: "server_error" },
      },
      {
        text: "partial answer here",
        midStreamError: { message: "Bad schema", type: "invalid_request_error" },
      },
    ];
    await withServer(script, async (_srv, m) => {
      const first = (await collect(streamOpenAI(m, ctx()))).message;
      assert.deepEqual([first.stopReason, first.retryable], ["error", true]);
      assert.match(first.errorMessage ?? "", /The server had an error/);
      assert.ok(
        first.content.length === 1 && first.content[0].type === "text" && first.content[0].text.length > 0,
      );
      const second = (await collect(streamOpenAI(m, ctx()))).message;
      assert.deepEqual([second.stopReason, second.retryable], ["error", false]);
    });
  });

  it("a stream that ends without a finish reason is a retryable error", async () => {
    await withServer([{ text: "never finished", endEarly: true }], async (_srv, m) => {
      const { message } = await collect(streamOpenAI(m, ctx()));
      assert.deepEqual([message.stopReason, message.retryable], ["error", true]);
      assert.match(message.errorMessage ?? "", /ended early/);
      assert.deepEqual(message.content, [{ type: "text", text: "never finished" }]);
    });
  });

  it("aborting mid-stream ends with stopReason aborted", async () => {
    await withServer([{ text: "a slow and long answer ".repeat(20), delayMs: 20 }], async (srv, m) => {
      const ac = new AbortController();
      const events = [];
      for await (const ev of streamOpenAI(m, ctx(), { signal: ac.signal })) {
        events.push(ev);
        if (ev.type === "text_delta") ac.abort();
      }
      const done = events.at(-1);
      assert.ok(done?.type === "done");
      assert.equal(done.message.stopReason, "aborted");
      assert.equal(done.message.retryable, false);
      assert.ok(events.length < 10);
      assert.equal(srv.remaining(), 0);
    });
  });

  it("an already-aborted signal sends nothing", async () => {
    await withServer([{ text: "x" }], async (srv, m) => {
      const ac = new AbortController();
      ac.abort();
      const { message } = await collect(streamOpenAI(m, ctx(), { signal: ac.signal }));
      assert.equal(message.stopReason, "aborted");
      assert.equal(srv.requests.length, 0);
    });
  });

  it("reads a non-streamed JSON completion from a server that ignored stream: true", async () => {
    const json = {
      choices: [{ index: 0, message: { role: "assistant", content: "plain" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 5, completion_tokens: 1 },
    };
    const http = fakeHttp([Buffer.from(JSON.stringify(json))], {
      headers: { "content-type": "application/json" },
    });
    const { message } = await collect(
      createOpenAIStream(http)(model("openai-completions", "http://x/v1"), ctx()),
    );
    assert.deepEqual([message.stopReason, message.content], ["stop", [{ type: "text", text: "plain" }]]);
    assert.equal(message.usage.input, 5);
  });
});

describe("openai-completions: request", () => {
  const history: Message[] = [
    { role: "user", content: "read a and b" },
    {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "secret reasoning" },
        { type: "text", text: "Reading." },
        { type: "toolCall", id: "c1", name: "read_file", arguments: { path: "a" } },
        { type: "toolCall", id: "c2", name: "read_file", arguments: {}, invalidArguments: '{"path": "b' },
      ],
      stopReason: "toolUse",
      usage: {
        input: 0,
        output: 0,
        cacheRead: 0,
        cacheWrite: 0,
        totalTokens: 0,
        cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
      },
      model: "test/test-model",
    },
    { role: "toolResult", toolCallId: "c1", toolName: "read_file", content: "A!", isError: false },
    { role: "toolResult", toolCallId: "c2", toolName: "read_file", content: "bad args", isError: true },
  ];

  it("sends tools, tool results, stream_options and headers", async () => {
    await withServer(
      [{ text: "done" }],
      async (srv, m) => {
        await collect(streamOpenAI(m, ctx(history), { maxTokens: 100, headers: { "X-Session-Id": "s1" } }));
        const [req] = srv.requests;
        assert.equal(req.path, "/v1/chat/completions");
        assert.equal(req.headers.authorization, "Bearer sk-test");
        assert.equal(req.headers["x-session-id"], "s1");
        assert.equal(req.headers["x-extra"], "model-level");
        assert.equal(req.headers.accept, "text/event-stream");
        const body = req.json;
        assert.equal(body.model, "test-model");
        assert.equal(body.stream, true);
        assert.deepEqual(body.stream_options, { include_usage: true });
        assert.equal(body.max_tokens, 100);
        assert.equal(body.temperature, 0.2);
        assert.equal(body.seed, 7);
        assert.deepEqual(body.tools[0], { type: "function", function: tools[0] });
        assert.deepEqual(body.messages, [
          { role: "system", content: "You are terse." },
          { role: "user", content: "read a and b" },
          {
            role: "assistant",
            content: "Reading.",
            tool_calls: [
              { id: "c1", type: "function", function: { name: "read_file", arguments: '{"path":"a"}' } },
              { id: "c2", type: "function", function: { name: "read_file", arguments: '{"path": "b' } },
            ],
          },
          { role: "tool", tool_call_id: "c1", content: "A!" },
          { role: "tool", tool_call_id: "c2", content: "bad args" },
        ]);
        assert.ok(!req.body.includes("secret reasoning"));
      },
      { temperature: 0.2, headers: { "X-Extra": "model-level" }, compat: { extraBody: { seed: 7 } } },
    );
  });

  it("honours compat flags: max_completion_tokens, no stream usage", () => {
    const m = model("openai-completions", "http://h/v1/", {
      maxOutputTokens: 50,
      compat: { maxCompletionTokensField: true, streamUsage: false },
    });
    const req = buildOpenAIRequest(m, ctx());
    const body = JSON.parse(req.body);
    assert.equal(req.url, "http://h/v1/chat/completions");
    assert.equal(body.max_completion_tokens, 50);
    assert.equal(body.max_tokens, undefined);
    assert.equal(body.stream_options, undefined);
  });

  it("keeps earlier turns a byte-identical prefix of later requests", () => {
    const m = model("openai-completions", "http://h/v1");
    const first = buildOpenAIRequest(m, ctx(history.slice(0, 1))).body;
    assert.equal(buildOpenAIRequest(m, ctx(history.slice(0, 1))).body, first, "same input, same bytes");
    const later = buildOpenAIRequest(m, ctx([...history, { role: "user", content: "thanks" }])).body;
    assert.ok(first.endsWith("]}"));
    assert.ok(
      later.startsWith(first.slice(0, -2)),
      "whole first body (minus its closing) prefixes the later one",
    );
    const messagesJson = (body: string) => JSON.stringify(JSON.parse(body).messages);
    assert.ok(messagesJson(later).startsWith(messagesJson(first).slice(0, -1)));
  });
});

describe("openai-completions: text tool-call recovery", () => {
  const text =
    'Let me look.\n<tool_call>\n{"name": "read_file", "arguments": {"path": "é.txt"}}\n</tool_call>';

  it("recovers <tool_call> blocks when compat.textToolCalls is on", async () => {
    await withServer(
      [{ text: `<think>plan</think>${text}` }],
      async (_srv, m) => {
        const { events, message } = await collect(streamOpenAI(m, ctx()));
        assert.equal(message.stopReason, "toolUse");
        assert.deepEqual(message.content.slice(0, 2), [
          { type: "thinking", thinking: "plan" },
          { type: "text", text: "Let me look." },
        ]);
        const [call] = calls(message.content);
        assert.deepEqual([call.name, call.arguments], ["read_file", { path: "é.txt" }]);
        assert.ok(events.some((e) => e.type === "toolcall_start" && e.id === call.id));
      },
      { compat: { textToolCalls: true } },
    );
  });

  it("leaves the text alone when the flag is off", async () => {
    await withServer([{ text }], async (_srv, m) => {
      const { message } = await collect(streamOpenAI(m, ctx()));
      assert.deepEqual([message.stopReason, message.content], ["stop", [{ type: "text", text }]]);
    });
  });
});

describe("openai-completions: token ids and logprobs (compat.tokenIds)", () => {
  const tokens = {
    promptIds: [151644, 8948, 198, 2610],
    completionIds: [9707, 0, 1084, 374, 220, 19, 13, 151645],
    logprobs: [-0.01, -1.5, -0.25, 0, -3.75, -0.5, -0.125, -0.0625],
  };

  it("asks for them and keeps exactly what the server sent, across chunks", async () => {
    const turn = { text: "Hello! It is 4.", chunkSize: 3, tokens };
    await withServer(
      [turn],
      async (srv, m) => {
        const { message } = await collect(streamOpenAI(m, ctx()));
        assert.equal(srv.requests[0].json.logprobs, true);
        assert.equal(srv.requests[0].json.return_token_ids, true);
        assert.deepEqual(message.tokens, tokens);
        assert.deepEqual(message.content, [{ type: "text", text: turn.text }]);
      },
      { compat: { tokenIds: true } },
    );
  });

  it("records logprobs alone when the server sends no ids", async () => {
    const turn = { text: "ok", tokens: { logprobs: [-0.5, -0.25] } };
    await withServer(
      [turn],
      async (_srv, m) => {
        const { message } = await collect(streamOpenAI(m, ctx()));
        assert.deepEqual(message.tokens, { logprobs: [-0.5, -0.25] });
      },
      { compat: { tokenIds: true } },
    );
  });

  it("without the opt-in: nothing asked for, nothing kept, even if the server sends them", async () => {
    await withServer([{ text: "Hello! It is 4.", tokens }], async (srv, m) => {
      const { message } = await collect(streamOpenAI(m, ctx()));
      assert.equal("logprobs" in srv.requests[0].json, false);
      assert.equal("return_token_ids" in srv.requests[0].json, false);
      assert.equal(message.tokens, undefined);
    });
  });

  it("reads a non-streamed response's prompt_token_ids and choice token_ids", async () => {
    const body = JSON.stringify({
      id: "x",
      object: "chat.completion",
      prompt_token_ids: [1, 2, 3],
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "hi" },
          logprobs: { content: [{ token: "hi", logprob: -0.75, bytes: null, top_logprobs: [] }] },
          finish_reason: "stop",
          token_ids: [42],
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    });
    const http: HttpClient = async () => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: (async function* () {
        yield Buffer.from(body);
      })(),
      text: async () => body,
    });
    const m: ModelSpec = { ...model("openai-completions", "http://x/v1"), compat: { tokenIds: true } };
    const { message } = await collect(createOpenAIStream(http)(m, ctx()));
    assert.deepEqual(message.tokens, { promptIds: [1, 2, 3], completionIds: [42], logprobs: [-0.75] });
  });
});
