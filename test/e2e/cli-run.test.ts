// End to end: the `ratchet` CLI as a process, against loopback servers speaking the real
// OpenAI and Anthropic streaming protocols.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ratchet, sandbox } from "../support/cli.js";
import { serve } from "../support/serve.js";

const TRICKY = 'h\u00e9llo "quoted" \\ back \u{1F600} \u4e2d\u6587';

test("openai: write a file over split deltas and split bytes, then answer; --json reports it", async () => {
  const server = await serve([
    {
      toolCalls: [{ name: "write", arguments: { path: "hello.txt", content: TRICKY } }],
      chunkSize: 3,
      splitBytes: true,
      usage: { input: 900, output: 40, cacheRead: 0 },
    },
    { text: "done", splitBytes: true, usage: { input: 60, output: 2, cacheRead: 900 } },
  ]);
  const sb = sandbox({ models: { "openai/scripted": { pricing: { input: 1, output: 2, cacheRead: 0.1 } } } });
  const r = await ratchet(
    [
      "run",
      "write hello.txt",
      "--json",
      "--model",
      "openai/scripted",
      "--base-url",
      server.openaiBaseUrl,
      "--workspace",
      sb.workspace,
    ],
    sb.env,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(path.join(sb.workspace, "hello.txt"), "utf8"), TRICKY);
  const out = JSON.parse(r.stdout);
  assert.equal(out.status, "completed");
  assert.equal(out.finalText, "done");
  assert.equal(out.steps, 2);
  assert.equal(out.toolCalls, 1);
  assert.deepEqual(out.usage, { input: 960, output: 42, cacheRead: 900, cacheWrite: 0, totalTokens: 1902 });
  assert.ok(Math.abs(out.cost - (960 * 1 + 42 * 2 + 900 * 0.1) / 1e6) < 1e-12);
  assert.match(out.sessionId, /^[0-9a-f]{12}$/);
  // The second request repeats the first request's bytes up to the end of its messages.
  const [a, b] = server.requests.map((q) => q.body);
  const end = a.indexOf("]", a.lastIndexOf('"role"'));
  assert.ok(b.startsWith(a.slice(0, end)), "request 2 must start with request 1's bytes");
  assert.equal(server.requests[0].json.tools.length, 9); // 6 workspace tools + 3 memory tools
});

test("openai: parallel tool calls in one response run in order and each gets a result", async () => {
  const server = await serve([
    {
      toolCalls: [
        { name: "write", arguments: { path: "a.txt", content: "A" } },
        { name: "write", arguments: { path: "sub/b.txt", content: "B" } },
      ],
      chunkSize: 2,
    },
    { text: "both written" },
  ]);
  const sb = sandbox();
  const r = await ratchet(
    ["run", "two files", "--json", "-m", "openai/x", "--base-url", server.openaiBaseUrl, "-w", sb.workspace],
    sb.env,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(path.join(sb.workspace, "a.txt"), "utf8"), "A");
  assert.equal(readFileSync(path.join(sb.workspace, "sub/b.txt"), "utf8"), "B");
  const toolMsgs = server.requests[1].json.messages.filter((m: { role: string }) => m.role === "tool");
  assert.equal(toolMsgs.length, 2);
});

test("openai: 429 with retry-after, then a mid-stream error, then success", async () => {
  const server = await serve([
    { status: 429, headers: { "retry-after": "0" }, body: '{"error":{"message":"slow down"}}' },
    { text: "partial", midStreamError: { message: "server overloaded", type: "server_error" } },
    { text: "finally" },
  ]);
  const sb = sandbox();
  const r = await ratchet(
    ["run", "hi", "--json", "-m", "openai/x", "--base-url", server.openaiBaseUrl, "-w", sb.workspace],
    sb.env,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).finalText, "finally");
  assert.equal(server.requests.length, 3);
});

test("model emits malformed JSON and an unknown tool: the model reads errors and the run goes on", async () => {
  const server = await serve([
    {
      toolCalls: [
        { name: "write", arguments: '{"path": "x.txt", "content": ' },
        { name: "teleport", arguments: {} },
      ],
    },
    { toolCalls: [{ name: "write", arguments: { path: "x.txt" } }] },
    { text: "gave up politely" },
  ]);
  const sb = sandbox();
  const r = await ratchet(
    ["run", "hi", "--json", "-m", "openai/x", "--base-url", server.openaiBaseUrl, "-w", sb.workspace],
    sb.env,
  );
  assert.equal(r.code, 0, r.stderr);
  const tools = server.requests[1].json.messages.filter((m: { role: string }) => m.role === "tool");
  assert.match(tools[0].content, /not a valid JSON object/);
  assert.match(tools[1].content, /unknown tool "teleport"/);
  const missing = server.requests[2].json.messages.at(-1);
  assert.match(missing.content, /required property "content"/);
  assert.equal(existsSync(path.join(sb.workspace, "x.txt")), false);
});

test("anthropic: thinking, tool_use with input_json deltas, cache tokens", async () => {
  const server = await serve([
    {
      reasoning: "I should write it.",
      toolCalls: [{ name: "write", arguments: { path: "h.txt", content: TRICKY } }],
      chunkSize: 4,
      splitBytes: true,
      usage: { input: 10, output: 20, cacheWrite: 800 },
    },
    { text: "done", usage: { input: 5, output: 1, cacheRead: 800 } },
  ]);
  const sb = sandbox();
  const env = { ...sb.env, ANTHROPIC_API_KEY: "sk-ant-test", ANTHROPIC_BASE_URL: server.anthropicBaseUrl };
  const r = await ratchet(["run", "write", "--json", "-m", "anthropic/claude-test", "-w", sb.workspace], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(path.join(sb.workspace, "h.txt"), "utf8"), TRICKY);
  const out = JSON.parse(r.stdout);
  assert.equal(out.usage.cacheWrite, 800);
  assert.equal(out.usage.cacheRead, 800);
  const req = server.requests[1];
  assert.equal(req.headers["x-api-key"], "sk-ant-test");
  assert.deepEqual(req.json.system.at(-1).cache_control, { type: "ephemeral" });
  assert.equal(req.json.messages[1].content[0].type, "thinking");
});

test("continue a session with --session: the next request carries the whole history", async () => {
  const server = await serve([{ text: "first" }, { text: "second" }]);
  const sb = sandbox();
  const args = ["--json", "-m", "openai/x", "--base-url", server.openaiBaseUrl, "-w", sb.workspace];
  const one = JSON.parse((await ratchet(["run", "remember 42", ...args], sb.env)).stdout);
  const two = await ratchet(["run", "what number?", "--session", one.sessionId, ...args], sb.env);
  assert.equal(two.code, 0, two.stderr);
  assert.equal(JSON.parse(two.stdout).sessionId, one.sessionId);
  const msgs = server.requests[1].json.messages.map((m: { role: string; content: string }) => [
    m.role,
    m.content,
  ]);
  assert.deepEqual(msgs.slice(1), [
    ["user", "remember 42"],
    ["assistant", "first"],
    ["user", "what number?"],
  ]);
  const list = JSON.parse((await ratchet(["sessions", "list", "--json"], sb.env)).stdout);
  assert.equal(list.length, 1);
  assert.equal(list[0].steps, 2);
  const show = JSON.parse((await ratchet(["sessions", "show", one.sessionId, "--json"], sb.env)).stdout);
  assert.equal(show.entries.filter((e: { kind: string }) => e.kind === "message").length, 4);
  const text = await ratchet(["sessions", "show", one.sessionId], sb.env);
  assert.match(text.stdout, /user: what number\?/);
});

test("limits: --max-steps ends a looping agent with exit code 3", async () => {
  const server = await serve(
    Array.from({ length: 5 }, () => ({ toolCalls: [{ name: "list", arguments: {} }] })),
  );
  const sb = sandbox();
  const r = await ratchet(
    [
      "run",
      "loop",
      "--json",
      "--max-steps",
      "2",
      "-m",
      "openai/x",
      "--base-url",
      server.openaiBaseUrl,
      "-w",
      sb.workspace,
    ],
    sb.env,
  );
  assert.equal(r.code, 3);
  const out = JSON.parse(r.stdout);
  assert.equal(out.status, "limit");
  assert.equal(out.limit, "steps");
  assert.equal(out.steps, 2);
});

test("model server unreachable: retries, then exit 1 with a clear error; the session is intact", async () => {
  const sb = sandbox({ retry: { maxRetries: 2, baseDelayMs: 10 } });
  const r = await ratchet(
    ["run", "hi", "--json", "-m", "openai/x", "--base-url", "http://127.0.0.1:9/v1", "-w", sb.workspace],
    sb.env,
  );
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout);
  assert.equal(out.status, "error");
  assert.match(out.reason, /ECONNREFUSED/);
  const show = JSON.parse((await ratchet(["sessions", "show", out.sessionId, "--json"], sb.env)).stdout);
  assert.equal(show.session.status, "error");
  assert.deepEqual(show.entries.find((e: { kind: string }) => e.kind === "message").data, {
    role: "user",
    content: "hi",
    origin: "owner",
  });
});

test("bad input: no model, invalid config, bad flags, unknown session each exit 2 with a fix", async () => {
  const sb = sandbox();
  const none = await ratchet(["run", "hi", "-w", sb.workspace], sb.env);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--model/);
  assert.match(none.stderr, /RATCHET_MODEL/);
  assert.match(none.stderr, /OPENAI_API_KEY/);

  const bad = sandbox({ limits: { maxSteps: 0 } });
  const cfg = await ratchet(["run", "hi", "-m", "openai/x"], bad.env);
  assert.equal(cfg.code, 2);
  assert.match(cfg.stderr, /config\.json/);
  assert.match(cfg.stderr, /limits\.maxSteps/);
  assert.match(cfg.stderr, /Fix:/);

  const flag = await ratchet(["run", "hi", "--max-steps", "lots"], sb.env);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /--max-steps needs a whole number/);

  const session = await ratchet(
    ["run", "hi", "--session", "0000", "-m", "openai/x", "--base-url", "http://127.0.0.1:9/v1"],
    sb.env,
  );
  assert.equal(session.code, 2);
  assert.match(session.stderr, /No session "0000"/);
});

test("text tool-call recovery for local models, when configured", async () => {
  const server = await serve([
    { text: '<tool_call>\n{"name": "write", "arguments": {"path": "t.txt", "content": "ok"}}\n</tool_call>' },
    { text: "written" },
  ]);
  const sb = sandbox({
    providers: { local: { baseUrl: server.openaiBaseUrl, compat: { textToolCalls: true } } },
  });
  const r = await ratchet(["run", "hi", "--json", "-m", "local/qwen", "-w", sb.workspace], sb.env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(path.join(sb.workspace, "t.txt"), "utf8"), "ok");
});

test("on a terminal-less stdout without --json: streamed text on stdout, tool activity on stderr", async () => {
  const server = await serve([
    { toolCalls: [{ name: "write", arguments: { path: "a", content: "x" } }] },
    { text: "all done" },
  ]);
  const sb = sandbox();
  const r = await ratchet(
    ["run", "hi", "-m", "openai/x", "--base-url", server.openaiBaseUrl, "-w", sb.workspace],
    sb.env,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "all done");
  assert.match(r.stderr, /● write a/);
  assert.match(r.stderr, /done · 2 steps · 1 tool call/);
});
