// The index is derived: incremental sync follows the files, and a missing, garbled or truncated
// index file is rebuilt from them without losing anything.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { IndexDb } from "../../src/memory/index-db.js";
import { Memory } from "../../src/memory/memory.js";
import { best } from "../../src/memory/term-scores.js";
import { freshMemory, NOW } from "./helpers.js";

function seed(workspace: string) {
  writeFileSync(
    path.join(workspace, "MEMORY.md"),
    "# Memory\n\n- The user prefers tabs over spaces.\n- Deploys go out on Thursdays.\n",
  );
  mkdirSync(path.join(workspace, "memory"));
  writeFileSync(
    path.join(workspace, "memory", "2024-03-10.md"),
    "# 2024-03-10\n\n- Met Priya about the billing migration.\n",
  );
}

test("files are indexed with line ranges and dates; edits and deletions are followed", async () => {
  const { workspace, memory } = freshMemory();
  seed(workspace);
  const hits = await memory.search("billing migration");
  assert.equal(hits[0].source, "memory/2024-03-10.md");
  assert.deepEqual(hits[0].lines, [3, 3]);
  assert.equal(hits[0].ref, "L3-L3");
  assert.equal(hits[0].date, "2024-03-10T00:00:00.000Z");
  assert.equal((await memory.search("tabs spaces"))[0].source, "MEMORY.md");

  assert.deepEqual(memory.sync(), { indexed: 0, removed: 0, unchanged: 2 });
  // Touched but unchanged: not re-indexed.
  const f = path.join(workspace, "MEMORY.md");
  utimesSync(f, new Date(), new Date(Date.now() + 5000));
  assert.equal(memory.sync().indexed, 0);
  writeFileSync(f, "# Memory\n\n- The user prefers spaces now.\n");
  assert.equal(memory.sync().indexed, 1);
  assert.equal((await memory.search("tabs")).length, 0);
  rmSync(path.join(workspace, "memory", "2024-03-10.md"));
  assert.equal(memory.sync().removed, 1);
  assert.equal((await memory.search("billing")).length, 0);
  memory.close();
});

for (const damage of ["garbled", "truncated", "missing", "empty"] as const) {
  test(`a ${damage} index is rebuilt from the files, nothing lost`, async () => {
    const { workspace, indexFile, memory } = freshMemory();
    seed(workspace);
    const before = await memory.search("billing migration");
    memory.close();
    if (damage === "missing") rmSync(indexFile);
    else if (damage === "empty") writeFileSync(indexFile, "");
    else if (damage === "garbled") {
      const buf = readFileSync(indexFile);
      for (let i = 0; i < buf.length; i += 7) buf[i] = (buf[i] + 101) & 0xff;
      writeFileSync(indexFile, buf);
    } else
      writeFileSync(indexFile, readFileSync(indexFile).subarray(0, Math.floor(statSync(indexFile).size / 3)));
    rmSync(`${indexFile}-wal`, { force: true });
    rmSync(`${indexFile}-shm`, { force: true });
    const warnings: string[] = [];
    const again = new Memory({ workspace, indexFile, now: () => NOW, onWarning: (w) => warnings.push(w) });
    assert.deepEqual(await again.search("billing migration"), before);
    assert.equal((await again.search("tabs"))[0].source, "MEMORY.md");
    assert.equal(again.stats().files, 2);
    again.close();
  });
}

test("an index damaged while open is rebuilt on the next operation", async () => {
  const { workspace, indexFile, memory } = freshMemory();
  seed(workspace);
  await memory.search("tabs");
  // Another process (or a disk fault) wrecks the file under us.
  const buf = readFileSync(indexFile);
  buf.fill(0x42, 0, 100);
  writeFileSync(indexFile, buf);
  const hits = await memory.search("billing");
  assert.equal(hits[0]?.source, "memory/2024-03-10.md");
  memory.close();
});

test("reindex rebuilds from scratch with the same results", async () => {
  const { workspace, memory } = freshMemory();
  seed(workspace);
  const before = await memory.search("deploys thursdays");
  const r = memory.reindex();
  assert.equal(r.indexed, 2);
  assert.deepEqual(await memory.search("deploys thursdays"), before);
  memory.close();
});

test("kept document frequencies and row lengths match what FTS5 holds, through replaces and deletes", () => {
  const db = new IndexDb(":memory:");
  const src = (key: string, texts: string[]) => ({
    key,
    kind: "session" as const,
    label: key,
    fingerprint: texts.join("|"),
    chunks: texts.map((text, i) => ({ ref: `t${i}`, role: "user" as const, text })),
  });
  // Amounts add class terms (annotations.ts): counted like words, through the same replaces and deletes.
  db.putSource(src("a", ["the red fox jumps", "a red red kite for $5 and $7", "blue whales sing"]));
  db.putSource(src("b", ["red kites and foxes with long tails waving slowly", "quiet blue evenings"]));
  db.putSource(src("a", ["the red fox naps"])); // replaced: its old chunks must stop counting
  db.putSource(src("c", ["whales again, 20 dollars"]));
  db.deleteSource("c");
  db.db.exec(
    "CREATE VIRTUAL TABLE temp.cv USING fts5vocab(main, chunk_fts, row); CREATE VIRTUAL TABLE temp.sv USING fts5vocab(main, source_fts, row)",
  );
  const truth = (table: string) =>
    new Map(db.db.prepare(`SELECT term, doc FROM ${table}`).raw().all() as [string, number][]);
  for (const [level, table] of [
    ["chunk", "temp.cv"],
    ["source", "temp.sv"],
  ] as const) {
    const want = truth(table);
    const got = db.docFreq(level, [...want.keys(), "whale", "nowhere"]);
    assert.deepEqual(
      [...got].filter(([, n]) => n > 0),
      [...want],
      level,
    );
  }
  // BM25 from postings uses each row's own length: the shorter chunk wins for an equal count.
  const scores = db.termScores("chunk", "red", 10);
  const rows = db.db.prepare("SELECT id, length FROM chunks").raw().all() as [number, number][];
  assert.equal(scores.size, 2);
  const [short, long] = [...scores.keys()].sort(
    (x, y) => rows.find((r) => r[0] === x)![1] - rows.find((r) => r[0] === y)![1],
  );
  assert.ok(scores.get(short)! > scores.get(long)!);
  db.close();
});

test("best() picks exactly what a full stable sort would, ties included", () => {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (const size of [0, 1, 5, 50, 1000]) {
    const m = new Map<number, number>();
    for (let i = 0; i < size; i++) m.set(i * 3 + 1, Math.floor(rand() * 20) / 4); // many ties
    for (const n of [0, 1, 3, 10, 250, 2000]) {
      const naive = [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
      assert.deepEqual(best(m, n), naive, `size ${size}, n ${n}`);
    }
  }
});
