// `ratchet memory …` as a process: import a history, search it as JSON, stats, reindex, get.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ratchet, sandbox } from "../support/cli.js";

const HISTORY = [
  '{"session":"s-garden","date":"2024-05-02T08:00:00Z","role":"user","text":"I planted three rows of heirloom tomatoes today.","id":"g1"}',
  '{"session":"s-garden","date":"2024-05-02T08:00:09Z","role":"assistant","text":"Water them deeply twice a week.","id":"g2"}',
  "this line is not JSON",
  '{"session":"s-car","date":"2024-06-10T17:30:00Z","role":"user","text":"The car is due for its inspection in October.","id":"c1"}',
].join("\n");

test("memory import, then memory search --json finds the turns with source, ref, date, score and text", async () => {
  const sb = sandbox();
  const file = path.join(sb.home, "..", "history.jsonl");
  writeFileSync(file, HISTORY);
  const imp = await ratchet(["memory", "import", file, "--workspace", sb.workspace], sb.env);
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stdout, /Imported 3 turns in 2 conversations \(jsonl\)/);
  assert.match(imp.stderr, /line 3: not valid JSON/);

  const s = await ratchet(
    ["memory", "search", "when is the car inspection", "--json", "--workspace", sb.workspace],
    sb.env,
  );
  assert.equal(s.code, 0, s.stderr);
  const hits = JSON.parse(s.stdout) as {
    source: string;
    ref: string;
    date: string;
    score: number;
    text: string;
  }[];
  assert.equal(hits[0].source, "s-car");
  assert.equal(hits[0].ref, "c1");
  assert.equal(hits[0].date, "2024-06-10T17:30:00.000Z");
  assert.ok(hits[0].score > 0);
  assert.equal(hits[0].text, "The car is due for its inspection in October.");

  const fromCwd = await ratchet(["memory", "search", "tomatoes", "--limit", "1"], sb.env, {
    cwd: sb.workspace,
  });
  assert.match(fromCwd.stdout, /^1\. session s-garden #1 user · 2024-05-02 08:00\nI planted three rows/);

  const stats = await ratchet(["memory", "stats", "--json", "--workspace", sb.workspace], sb.env);
  assert.equal(JSON.parse(stats.stdout).chunks, 3);
  const re = await ratchet(["memory", "reindex", "--workspace", sb.workspace], sb.env);
  assert.match(re.stdout, /Reindexed 1 sources \(3 chunks\)/);
  const get = await ratchet(
    ["memory", "get", "s-garden", "--from", "2", "--workspace", sb.workspace],
    sb.env,
  );
  assert.match(get.stdout, /^#2 assistant 2024-05-02T08:00:09.000Z \(id g2\):\nWater them deeply/);

  const none = await ratchet(
    ["memory", "search", '"NEAR( * -x', "--json", "--workspace", sb.workspace],
    sb.env,
  );
  assert.equal(none.code, 0, none.stderr);
  assert.deepEqual(JSON.parse(none.stdout), []);
});

test("an import with nothing importable is a usage error", async () => {
  const sb = sandbox();
  const file = path.join(sb.home, "..", "bad.jsonl");
  writeFileSync(file, "nope\n{}\n");
  const r = await ratchet(["memory", "import", file, "--workspace", sb.workspace], sb.env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /line 1: not valid JSON/);
  assert.match(r.stderr, /line 2: "session"/);
});
