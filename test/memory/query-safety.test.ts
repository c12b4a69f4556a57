// Query text is never FTS5 syntax: operators, quotes, prefixes, columns, huge and empty queries
// are searched as plain words (or find nothing) and never raise an SQL error.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { orQuery, quoteTerm } from "../../src/memory/fts-query.js";
import { terms } from "../../src/memory/tokenize.js";
import { freshMemory } from "./helpers.js";

const NASTY = [
  "",
  "   ",
  '"',
  '""',
  '"unterminated',
  "NEAR(a b, 3)",
  "a NEAR b",
  "AND OR NOT",
  "NOT tabs",
  "-tabs",
  "tabs*",
  "*",
  "^tabs",
  "terms:tabs",
  "{terms}: tabs",
  "(tabs OR spaces) AND (",
  ")))",
  "tabs + spaces",
  "'; DROP TABLE chunks; --",
  "\\x00\u0000 nul",
  "😀🔥 emoji 👍🏽",
  "日本語のメモ",
  "ümlaut café naïve",
  "x".repeat(100_000),
  Array.from({ length: 5000 }, (_, i) => `word${i}`).join(" "),
  "%_[]",
  "a:b:c",
  "\n\t\r",
];

test("no query text reaches FTS5 as syntax", async () => {
  const { workspace, memory } = freshMemory();
  mkdirSync(path.join(workspace, "memory"));
  writeFileSync(
    path.join(workspace, "MEMORY.md"),
    "- The user prefers tabs over spaces (AND NOT NEAR).\n- 日本語のメモ café\n",
  );
  for (const q of NASTY) {
    const hits = await memory.search(q);
    assert.ok(Array.isArray(hits), `query ${JSON.stringify(q.slice(0, 40))}`);
  }
  // Operators are words: "NOT tabs" finds the line with tabs, "AND OR NOT" the line containing them.
  assert.equal((await memory.search("NOT tabs"))[0]?.source, "MEMORY.md");
  assert.match((await memory.search("AND OR NOT"))[0]?.text ?? "", /AND NOT NEAR/);
  assert.match((await memory.search("café"))[0]?.text ?? "", /café/);
  memory.close();
});

test("random byte soup never throws", async () => {
  const { workspace, memory } = freshMemory();
  writeFileSync(path.join(workspace, "MEMORY.md"), "- alpha beta gamma\n");
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const alphabet = ` "'*()-^:+.,;{}[]!?NEARANDORNOTalphabeta\u00e9\u65e5😀\\`;
  for (let i = 0; i < 300; i++) {
    const len = rnd() % 40;
    const q = Array.from({ length: len }, () => [...alphabet][rnd() % [...alphabet].length]).join("");
    await memory.search(q);
  }
  memory.close();
});

test("quoting doubles embedded quotes", () => {
  assert.equal(quoteTerm('a"b'), '"a""b"');
  assert.equal(orQuery(["a", "b"]), '"a" OR "b"');
  assert.equal(orQuery([]), undefined);
});

test("words that name Object.prototype members are plain words, in text and in queries", async () => {
  const words = "constructor toString valueOf hasOwnProperty __proto__ isPrototypeOf";
  assert.ok(terms(words).every((t) => typeof t === "string"));
  assert.ok(terms(words).includes("constructor"));
  const { workspace, memory } = freshMemory();
  writeFileSync(
    path.join(workspace, "MEMORY.md"),
    `# Memory\n\n- The constructor of the shed called; ${words}.\n`,
  );
  const hits = await memory.search("who is the constructor");
  assert.equal(hits[0]?.source, "MEMORY.md");
});
