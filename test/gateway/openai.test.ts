// The OpenAI-compatible endpoint over real sockets: non-streaming and streaming responses in the
// official shapes, the model list, and a conversation continued by X-Session-Id or `user`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { api, type DaemonProc, readSse, useReactiveDaemon } from "./support.js";

let d: DaemonProc;

useReactiveDaemon((f) => ({ d } = f));

interface Chunk {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: { index: number; delta: { role?: string; content?: string }; finish_reason: string | null }[];
  usage?: { total_tokens: number };
  ratchet?: Record<string, unknown>;
}

test("GET /v1/models lists the agents as models", async () => {
  const r = await api(d, "GET", "/v1/models");
  assert.equal(r.json.object, "list");
  const ids = (r.json.data as { id: string; object: string }[]).map((m) => m.id);
  assert.deepEqual(ids, ["ratchet", "ratchet/default"]);
});

test("non-streaming: the official chat.completion shape with the agent's answer", async () => {
  const r = await api(d, "POST", "/v1/chat/completions", {
    model: "ratchet",
    messages: [
      { role: "system", content: "ignored: the agent has its own prompt" },
      { role: "user", content: "earlier" },
      { role: "assistant", content: "x" },
      {
        role: "user",
        content: [
          { type: "text", text: "last " },
          { type: "text", text: "one" },
        ],
      },
    ],
  });
  assert.equal(r.status, 200);
  assert.equal(r.json.object, "chat.completion");
  assert.match(r.json.id as string, /^chatcmpl-/);
  assert.equal(r.json.model, "ratchet");
  const choice = (
    r.json.choices as { message: { role: string; content: string }; finish_reason: string }[]
  )[0];
  assert.deepEqual(choice.message, { role: "assistant", content: "echo: last one" });
  assert.equal(choice.finish_reason, "stop");
  const usage = r.json.usage as { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
});

/** Streams one user message to /v1/chat/completions; the SSE data up to and with "[DONE]". */
async function streamChat(model: string, text: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${d.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${d.token}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: text }] }),
  });
  assert.equal(res.status, 200);
  return readSse(res, (x) => x === "[DONE]");
}

const chunksOf = (data: string[]) => data.slice(0, -1).map((x) => JSON.parse(x) as Chunk);

test("streaming: chat.completion.chunk frames, role first, content deltas, stop, [DONE]", async () => {
  const data = await streamChat("ratchet/default", "stream me");
  assert.equal(data.at(-1), "[DONE]");
  const chunks = chunksOf(data);
  for (const c of chunks) {
    assert.equal(c.object, "chat.completion.chunk");
    assert.equal(c.id, chunks[0].id);
    assert.equal(c.model, "ratchet/default");
    assert.equal(c.choices[0].index, 0);
  }
  assert.equal(chunks[0].choices[0].delta.role, "assistant");
  const text = chunks.map((c) => c.choices[0].delta.content ?? "").join("");
  assert.equal(text, "echo: stream me");
  assert.ok(chunks.length > 3, "content arrives in several deltas");
  const last = chunks.at(-1) as Chunk;
  assert.equal(last.choices[0].finish_reason, "stop");
  assert.deepEqual(last.choices[0].delta, {});
  assert.ok((last.usage?.total_tokens ?? 0) > 0);
});

test("streaming with X-Ratchet-Events: tools carries the tool call and its result; without it, none", async () => {
  const stream = async (headers: Record<string, string>) =>
    chunksOf(await streamChat("ratchet", "nap 0.05", headers));
  const chunks = await stream({ "x-ratchet-events": "tools" });
  const events = chunks.filter((c) => c.ratchet);
  assert.deepEqual(
    events.map((c) => c.ratchet?.type),
    ["tool_call", "tool_result"],
  );
  const [call, result] = events.map((c) => c.ratchet as Record<string, unknown>);
  assert.deepEqual(call, {
    type: "tool_call",
    id: call.id,
    name: "exec",
    arguments: { command: "sleep 0.05" },
  });
  assert.equal(result.id, call.id);
  assert.equal(result.name, "exec");
  assert.equal(result.is_error, false);
  assert.equal(typeof result.content, "string");
  assert.ok((result.duration_ms as number) >= 0);
  // Event chunks are ordinary chunks to a client that does not know the field: an empty delta.
  for (const c of events) {
    assert.equal(c.object, "chat.completion.chunk");
    assert.deepEqual(c.choices[0].delta, {});
    assert.equal(c.choices[0].finish_reason, null);
  }
  // The tool events come before the answer's text, in the order they happened.
  const firstText = chunks.findIndex((c) => (c.choices[0].delta.content ?? "") !== "");
  assert.ok(chunks.indexOf(events[1]) < firstText);
  assert.equal(chunks.map((c) => c.choices[0].delta.content ?? "").join(""), "done: nap 0.05");
  const plain = await stream({});
  assert.ok(!plain.some((c) => c.ratchet));
  assert.equal(plain.map((c) => c.choices[0].delta.content ?? "").join(""), "done: nap 0.05");
});

test("X-Session-Id (or `user`) continues one Ratchet session; no key means a new session", async () => {
  const ask = (text: string, headers: Record<string, string>, extra: Record<string, unknown> = {}) =>
    api(
      d,
      "POST",
      "/v1/chat/completions",
      { model: "ratchet", messages: [{ role: "user", content: text }], ...extra },
      headers,
    );
  const a = await ask("one", { "x-session-id": "conv-42" });
  const b = await ask("two", { "x-session-id": "conv-42" });
  const sid = a.headers.get("x-session-id");
  assert.ok(sid);
  assert.equal(b.headers.get("x-session-id"), sid);
  const session = await api(d, "GET", `/api/sessions/${sid}`);
  const users = (session.json.entries as { data: { role?: string; content?: string } }[])
    .filter((e) => e.data.role === "user")
    .map((e) => e.data.content);
  assert.deepEqual(users, ["one", "two"]);
  const u1 = await ask("three", {}, { user: "alice" });
  const u2 = await ask("four", {}, { user: "alice" });
  assert.equal(u1.headers.get("x-session-id"), u2.headers.get("x-session-id"));
  const fresh = await ask("five", {});
  assert.notEqual(fresh.headers.get("x-session-id"), sid);
});

test("errors use the OpenAI error shape: unknown model, no user message", async () => {
  const unknown = await api(d, "POST", "/v1/chat/completions", {
    model: "gpt-4o",
    messages: [{ role: "user", content: "x" }],
  });
  assert.equal(unknown.status, 404);
  assert.equal((unknown.json.error as { type: string }).type, "model_not_found");
  const none = await api(d, "POST", "/v1/chat/completions", {
    model: "ratchet",
    messages: [{ role: "system", content: "x" }],
  });
  assert.equal(none.status, 400);
  assert.match((none.json.error as { message: string }).message, /no user message/);
});
