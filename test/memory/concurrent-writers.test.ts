// Two real processes write memory at the same time through the memory_write tool (as a daemon and a
// CLI would): every entry lands whole, none is lost, and the shared index ends up with all of them.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Memory } from "../../src/memory/memory.js";
import { tempDirs } from "./helpers.js";

const N = 60;
const here = path.dirname(fileURLToPath(import.meta.url));

const WRITER = `
import { Memory } from ${JSON.stringify(path.join(here, "../../src/memory/memory.js"))};
import { createMemoryTools } from ${JSON.stringify(path.join(here, "../../src/memory/tools.js"))};
const [workspace, indexFile, who, n] = process.argv.slice(2);
const memory = new Memory({ workspace, indexFile, now: () => Date.UTC(2024, 2, 15, 12) });
const write = createMemoryTools(async () => memory).find((t) => t.name === "memory_write");
for (let i = 0; i < Number(n); i++) {
  const out = await write.execute({ text: \`writer \${who} fact number \${i} \${"pad ".repeat(i % 7)}end, code k\${who}\${i}q\`, longterm: i % 5 === 0 }, { toolCallId: "x" });
  if (!/^Saved to /.test(out.content)) throw new Error(out.content);
}
memory.close();
`;

function run(script: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "ignore", "inherit"] });
    child.on("close", resolve);
  });
}

test("two processes appending via memory_write lose nothing", async () => {
  const { base, workspace, indexFile } = tempDirs();
  const script = path.join(base, "writer.mjs");
  writeFileSync(script, WRITER);
  const codes = await Promise.all([
    run(script, [workspace, indexFile, "A", String(N)]),
    run(script, [workspace, indexFile, "B", String(N)]),
  ]);
  assert.deepEqual(codes, [0, 0]);
  const note = readFileSync(path.join(workspace, "memory", "2024-03-15.md"), "utf8");
  const longterm = readFileSync(path.join(workspace, "MEMORY.md"), "utf8");
  assert.equal(note.match(/^# 2024-03-15$/gm)?.length, 1, "one heading");
  assert.equal(longterm.match(/^# Memory$/gm)?.length, 1, "one heading");
  const entries = [
    ...`${note}\n${longterm}`.matchAll(/^- .*writer (A|B) fact number (\d+) (?:pad )*end, code k\1\2q.*$/gm),
  ];
  assert.equal(entries.length, 2 * N, "every entry is there, whole, on its own line");
  for (const who of ["A", "B"])
    assert.deepEqual(
      entries
        .filter((m) => m[1] === who)
        .map((m) => Number(m[2]))
        .sort((a, b) => a - b),
      Array.from({ length: N }, (_, i) => i),
    );
  const memory = new Memory({ workspace, indexFile });
  for (const code of ["kA0q", "kB59q", "kA33q"])
    assert.match((await memory.search(code, { limit: 1 }))[0]?.text ?? "", new RegExp(code));
  assert.equal(memory.stats().chunks, 2 * N);
  memory.close();
});

test("processes that create the same index at once all open it (no race reads as damage)", async () => {
  // Each round: 6 processes open one new file together. Losing the race to switch it to WAL, or
  // reading the tables before their version, used to fail an opener (~1 in 200 here).
  const opener = `import { IndexDb } from ${JSON.stringify(path.join(here, "../../src/memory/index-db.js"))};
new IndexDb(process.argv[2]).close();`;
  const { base } = tempDirs();
  const script = path.join(base, "opener.mjs");
  writeFileSync(script, opener);
  const codes: (number | null)[] = [];
  for (let round = 0; round < 12; round++) {
    const file = path.join(base, `round-${round}`, "index.sqlite");
    codes.push(...(await Promise.all(Array.from({ length: 6 }, () => run(script, [file])))));
  }
  assert.deepEqual(codes, new Array(codes.length).fill(0));
});
