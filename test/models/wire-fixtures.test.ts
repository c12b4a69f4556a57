// Replays recorded SSE transcripts through each provider, cut into seeded random pieces
// (seed 0 = one byte at a time), and checks every cut yields the same, expected message.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createAnthropicStream } from "../../src/models/anthropic-messages.js";
import type { HttpClient } from "../../src/models/http.js";
import { createOpenAIStream } from "../../src/models/openai-completions.js";
import type { AssistantMessage, ModelEvent, ModelSpec, StreamFn } from "../../src/models/types.js";
import { collect, cut, fakeHttp, fixture, model } from "./helpers.js";

const SEEDS = [0, 1, 2, 3, 7, 42];
const ctx = { systemPrompt: "s", messages: [{ role: "user" as const, content: "hi" }], tools: [] };

/** Generated tool-call ids carry a per-response nonce; hide it so runs compare equal. */
const normalise = (m: AssistantMessage) =>
  JSON.parse(JSON.stringify(m).replace(/(call_\d+)_[0-9a-f]{8}/g, "$1_N"));

async function replay(
  create: (http: HttpClient) => StreamFn,
  spec: ModelSpec,
  name: string,
): Promise<{ message: AssistantMessage; events: ModelEvent[] }> {
  const bytes = fixture(name);
  const whole = await collect(create(fakeHttp([bytes]))(spec, ctx));
  for (const seed of SEEDS) {
    const { message } = await collect(create(fakeHttp(cut(bytes, seed)))(spec, ctx));
    assert.deepEqual(normalise(message), normalise(whole.message), `${name} seed ${seed}`);
  }
  return whole;
}

const text = (m: AssistantMessage) => m.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("");
const thinking = (m: AssistantMessage) =>
  m.content.flatMap((b) => (b.type === "thinking" ? [b.thinking] : [])).join("");
const toolCalls = (m: AssistantMessage) => m.content.filter((b) => b.type === "toolCall");

describe("wire fixtures: openai", () => {
  const openai = (extra: Partial<ModelSpec> = {}) => model("openai-completions", "http://fixture/v1", extra);

  it("text.sse", async () => {
    const { message, events } = await replay(createOpenAIStream, openai(), "openai/text.sse");
    assert.equal(text(message), "Café ☕ is open — see you at 9 😀.");
    assert.equal(message.stopReason, "stop");
    assert.deepEqual([message.usage.input, message.usage.output, message.usage.cacheRead], [25, 12, 0]);
    assert.equal(events.filter((e) => e.type === "text_delta").length, 12);
  });

  it("parallel-tools.sse", async () => {
    const pricing = { input: 2.5, output: 10, cacheRead: 1.25 };
    const { message } = await replay(createOpenAIStream, openai({ pricing }), "openai/parallel-tools.sse");
    assert.equal(message.stopReason, "toolUse");
    assert.deepEqual(toolCalls(message), [
      {
        type: "toolCall",
        id: "call_lx2ZVFhwQnJyvYFcGqzJ3Qd4",
        name: "read_file",
        arguments: { path: "notes/café.md" },
      },
      {
        type: "toolCall",
        id: "call_9sTqLm1Yb0cZx7Ue3rNd8HkA",
        name: "write_file",
        arguments: { path: "out.txt", content: 'say "hi" \\ 😀\n' },
      },
    ]);
    assert.deepEqual([message.usage.input, message.usage.cacheRead, message.usage.output], [86, 1920, 58]);
    assert.ok(Math.abs(message.usage.cost.total - (86 * 2.5 + 1920 * 1.25 + 58 * 10) / 1e6) < 1e-12);
  });

  it("interleaved-tools.sse (vLLM, second id missing)", async () => {
    const { message, events } = await replay(createOpenAIStream, openai(), "openai/interleaved-tools.sse");
    const [a, b] = toolCalls(message);
    assert.deepEqual(
      [a.id, a.name, a.arguments],
      ["chatcmpl-tool-5b0d6a1f", "get_weather", { city: "Zürich" }],
    );
    assert.equal(b.name, "get_time");
    assert.deepEqual(b.arguments, { tz: "Europe/Zurich" });
    assert.match(b.id, /^call_1_[0-9a-f]{8}$/);
    assert.ok(events.some((e) => e.type === "toolcall_start" && e.id === b.id));
    assert.deepEqual([message.usage.input, message.usage.output], [310, 42]);
  });

  it("deepseek-reasoning.sse (reasoning_content, cache hit/miss)", async () => {
    const { message } = await replay(createOpenAIStream, openai(), "openai/deepseek-reasoning.sse");
    assert.equal(thinking(message), "The user asks for 2+2. That's 4.");
    assert.equal(text(message), "2 + 2 = **4**");
    assert.equal(message.content[0].type, "thinking");
    assert.deepEqual([message.usage.input, message.usage.cacheRead, message.usage.output], [18, 64, 95]);
  });

  it("openrouter-reasoning.sse (CRLF, comments, `reasoning`, reported cost)", async () => {
    const pricing = { input: 1, output: 1 };
    const { message } = await replay(
      createOpenAIStream,
      openai({ pricing }),
      "openai/openrouter-reasoning.sse",
    );
    assert.equal(thinking(message), "Counting letters: s-t-r-a-w-b-e-r-r-y has three r's.");
    assert.equal(text(message), "There are **3** r's in “strawberry”.");
    assert.equal(message.usage.cost.total, 0.000305);
  });

  it("mid-stream-error.sse (OpenRouter upstream 502)", async () => {
    const { message } = await replay(createOpenAIStream, openai(), "openai/mid-stream-error.sse");
    assert.deepEqual([message.stopReason, message.retryable], ["error", true]);
    assert.match(message.errorMessage ?? "", /Upstream provider error/);
    assert.equal(text(message), "Here is the first part");
  });
});

describe("wire fixtures: anthropic", () => {
  const anthropic = (extra: Partial<ModelSpec> = {}) => model("anthropic-messages", "http://fixture", extra);

  it("text.sse", async () => {
    const { message } = await replay(createAnthropicStream, anthropic(), "anthropic/text.sse");
    assert.equal(text(message), 'Bonjour ! Ça va ? 😀 Here\'s a backslash: \\ and a "quote".');
    assert.equal(message.stopReason, "stop");
    assert.deepEqual([message.usage.input, message.usage.cacheRead, message.usage.output], [12, 2048, 15]);
  });

  it("parallel-tools.sse", async () => {
    const { message } = await replay(createAnthropicStream, anthropic(), "anthropic/parallel-tools.sse");
    assert.equal(message.stopReason, "toolUse");
    assert.equal(text(message), "I'll read both files.");
    assert.deepEqual(toolCalls(message), [
      {
        type: "toolCall",
        id: "toolu_01A09q90qw90lq917835lq9",
        name: "read_file",
        arguments: { path: "src/café.ts" },
      },
      {
        type: "toolCall",
        id: "toolu_01B7xKwq3mZ9cT2rVnE4pYhD",
        name: "grep",
        arguments: { pattern: 'say "hi"', glob: "**/*.md" },
      },
    ]);
    assert.deepEqual(
      [message.usage.input, message.usage.cacheWrite, message.usage.output],
      [1203, 2950, 112],
    );
  });

  it("thinking.sse (signature kept, redacted_thinking ignored)", async () => {
    const { message } = await replay(createAnthropicStream, anthropic(), "anthropic/thinking.sse");
    const [t, x] = message.content;
    assert.ok(t.type === "thinking" && t.signature?.startsWith("EqQBCgIYAhIM"));
    assert.equal(
      thinking(message),
      "Let me work out 27 * 453.\n27 * 453 = 27 * 400 + 27 * 53\n= 10800 + 1431 = 12231.",
    );
    assert.deepEqual(x, { type: "text", text: "27 × 453 = **12,231**." });
    assert.equal(message.content.length, 2);
  });

  it("error-overloaded.sse", async () => {
    const { message } = await replay(createAnthropicStream, anthropic(), "anthropic/error-overloaded.sse");
    assert.deepEqual([message.stopReason, message.retryable], ["error", true]);
    assert.match(message.errorMessage ?? "", /Overloaded/);
    assert.equal(text(message), "Let me");
  });
});
