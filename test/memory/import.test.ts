// Importing histories: JSONL turns and a ChatGPT export, bad lines reported with their numbers and
// skipped, the rest searchable; importing the same file twice adds nothing.
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { parseChatGpt, parseTurnsJsonl } from "../../src/memory/import-formats.js";
import { freshMemory } from "./helpers.js";

const JSONL = [
  '{"session":"trip","date":"2024-02-01T09:00:00Z","role":"user","text":"Book me a window seat to Oslo.","id":"t1"}',
  '{"session":"trip","date":"2024-02-01T09:00:05Z","role":"assistant","text":"Done: seat 14A to Oslo."}',
  "{broken json",
  '{"session":"trip","date":"last tuesday","role":"user","text":"x"}',
  '{"session":"trip","date":"2024-02-01","role":"system","text":"x"}',
  '{"session":"","date":"2024-02-01","role":"user","text":"x"}',
  '{"session":"trip","date":"2024-02-01","role":"user","text":""}',
  "[1,2]",
  "",
  '{"session":42,"date":"2024-02-02","role":"user","text":"My passport expires in May 2025."}',
].join("\n");

test("JSONL: good turns are read, each bad line is reported by number", () => {
  const r = parseTurnsJsonl(JSONL);
  assert.equal(r.turns.length, 3);
  assert.deepEqual(
    r.problems.map((p) => p.line),
    [3, 4, 5, 6, 7, 8],
  );
  assert.match(r.problems[1].message, /ISO-8601/);
  assert.deepEqual(r.turns[0], {
    session: "trip",
    date: "2024-02-01T09:00:00.000Z",
    role: "user",
    text: "Book me a window seat to Oslo.",
    id: "t1",
  });
  assert.equal(r.turns[1].id, "2");
  assert.equal(r.turns[2].session, "42");
});

const CHATGPT = [
  {
    title: "Garden",
    id: "conv-1",
    create_time: 1700000000,
    current_node: "c",
    mapping: {
      root: { id: "root", message: null, parent: null, children: ["sys"] },
      sys: {
        id: "sys",
        parent: "root",
        children: ["a"],
        message: { author: { role: "system" }, content: { content_type: "text", parts: [""] } },
      },
      a: {
        id: "a",
        parent: "sys",
        children: ["b", "b2"],
        message: {
          author: { role: "user" },
          create_time: 1700000100,
          content: { content_type: "text", parts: ["My tomatoes have yellow leaves."] },
        },
      },
      b2: {
        id: "b2",
        parent: "a",
        children: [],
        message: {
          author: { role: "assistant" },
          create_time: 1700000150,
          content: { content_type: "text", parts: ["(abandoned branch)"] },
        },
      },
      b: {
        id: "b",
        parent: "a",
        children: ["c"],
        message: {
          author: { role: "assistant" },
          create_time: 1700000200,
          content: { content_type: "text", parts: ["Likely nitrogen deficiency."] },
        },
      },
      c: {
        id: "c",
        parent: "b",
        children: [],
        message: {
          author: { role: "user" },
          create_time: 1700000300,
          content: { content_type: "text", parts: ["Thanks, I will add compost."] },
        },
      },
    },
  },
  { title: "broken", id: "conv-2" },
];

test("ChatGPT export: the current branch, in order, without system messages", () => {
  const r = parseChatGpt(JSON.stringify(CHATGPT));
  assert.deepEqual(
    r.turns.map((t) => [t.role, t.text]),
    [
      ["user", "My tomatoes have yellow leaves."],
      ["assistant", "Likely nitrogen deficiency."],
      ["user", "Thanks, I will add compost."],
    ],
  );
  assert.equal(r.turns[0].session, "conv-1");
  assert.equal(r.turns[0].date, new Date(1700000100 * 1000).toISOString());
  assert.deepEqual(r.problems, [{ line: 1, message: 'conversation 1: no "mapping"' }]);
});

test("imported histories are searchable, and a second import of the same file adds nothing", async () => {
  const { base, workspace, memory } = freshMemory();
  const jsonl = path.join(base, "history.jsonl");
  const chatgpt = path.join(base, "conversations.json");
  writeFileSync(jsonl, JSONL);
  writeFileSync(chatgpt, JSON.stringify(CHATGPT));
  const a = memory.importFile(jsonl);
  assert.equal(a.format, "jsonl");
  assert.equal(a.turns, 3);
  assert.equal(a.sessions, 2);
  assert.equal(a.problems.length, 6);
  const b = memory.importFile(chatgpt);
  assert.equal(b.format, "chatgpt");
  assert.equal(b.turns, 3);
  const hits = await memory.search("window seat Oslo");
  assert.equal(hits[0].source, "trip");
  assert.equal(hits[0].ref, "t1");
  assert.equal(hits[0].date, "2024-02-01T09:00:00.000Z");
  assert.equal((await memory.search("tomato leaves yellow"))[0].source, "conv-1");
  assert.equal(memory.importFile(jsonl).alreadyImported, true);
  assert.equal(readdirSync(path.join(workspace, "memory", "imports")).length, 2);
  assert.equal(memory.stats().sessions, 3);
  memory.close();
});
