// The agent's memory tools through the loop's own tool-call path: schemas validate, search results
// carry origin "memory", get returns exact lines and turns, write appends with date and origin.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { AnyTool } from "../../src/loop/tool.js";
import { executeToolCall } from "../../src/loop/tool-call.js";
import { createMemoryTools } from "../../src/memory/tools.js";
import type { ToolCallBlock } from "../../src/models/types.js";
import { freshMemory, NOW } from "./helpers.js";

function call(tools: AnyTool[], name: string, args: Record<string, unknown>) {
  const block: ToolCallBlock = { type: "toolCall", id: "c1", name, arguments: args };
  return executeToolCall(
    block,
    new Map(tools.map((t) => [t.name, t])),
    new AbortController().signal,
    undefined,
    [],
  );
}

test("memory_write then memory_search and memory_get", async () => {
  const { workspace, memory } = freshMemory();
  let opened = 0;
  const tools = createMemoryTools(
    async () => {
      opened++;
      return memory;
    },
    () => NOW,
  );
  assert.equal(opened, 0, "nothing opens until a tool is used");
  const w = await call(tools, "memory_write", { text: "The user's cat is called Miso." });
  assert.equal(w.isError, false);
  assert.match(w.content, /memory\/2024-03-15\.md/);
  const note = readFileSync(path.join(workspace, "memory", "2024-03-15.md"), "utf8");
  assert.equal(note, "# 2024-03-15\n\n- 12:00 [agent] The user's cat is called Miso.\n");
  await call(tools, "memory_write", { text: "Prefers metric units.", longterm: true });
  assert.match(
    readFileSync(path.join(workspace, "MEMORY.md"), "utf8"),
    /- Prefers metric units\. \(2024-03-15, agent\)/,
  );

  const s = await call(tools, "memory_search", { query: "what is my cat's name?" });
  assert.equal(s.origin, "memory");
  assert.match(
    s.content,
    /^1\. memory\/2024-03-15\.md L3-L3 · 2024-03-15 00:00\n- 12:00 \[agent\] The user's cat is called Miso\.$/,
  );
  const g = await call(tools, "memory_get", { source: "memory/2024-03-15.md", from: 3, to: 3 });
  assert.equal(g.content, "3: - 12:00 [agent] The user's cat is called Miso.");
  assert.equal(g.origin, "memory");
});

test("time windows, bad arguments and unknown sources are errors the model can read", async () => {
  const { workspace, memory } = freshMemory();
  writeFileSync(
    path.join(workspace, "MEMORY.md"),
    "- Kayak trip on 2024-01-20 with Jo.\n- Kayak repair on 2024-03-02.\n",
  );
  const tools = createMemoryTools(
    async () => memory,
    () => NOW,
  );
  const all = await call(tools, "memory_search", { query: "kayak" });
  assert.match(all.content, /trip/);
  assert.match(all.content, /repair/);
  const march = await call(tools, "memory_search", { query: "kayak", from: "2024-03-01", to: "2024-03-31" });
  assert.doesNotMatch(march.content, /trip/);
  assert.match(march.content, /repair/);
  const bad = await call(tools, "memory_search", { query: "kayak", from: "March" });
  assert.equal(bad.isError, true);
  assert.match(bad.content, /YYYY|2024-03-05/);
  assert.equal((await call(tools, "memory_search", { limit: 3 })).isError, true);
  const missing = await call(tools, "memory_get", { source: "nope" });
  assert.equal(missing.isError, true);
  assert.match(missing.content, /No memory file or conversation/);
  const outside = await call(tools, "memory_get", { source: "../etc/passwd" });
  assert.equal(outside.isError, true);
  assert.equal((await call(tools, "memory_write", { text: "   " })).isError, true);
});

test("the three schemas stay small (they are paid on every request)", () => {
  const tools = createMemoryTools(async () => {
    throw new Error("unused");
  });
  const bytes = JSON.stringify(
    tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })),
  ).length;
  assert.ok(bytes < 1000, `memory tool specs are ${bytes} bytes`);
});
