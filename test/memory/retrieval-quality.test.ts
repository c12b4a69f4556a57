// A small synthetic conversational memory (test/fixtures/memory, written for this test, not the
// benchmark's data): Ratchet's retriever must beat plain FTS5 BM25 on it — dated questions ("last
// Tuesday"), questions about the current state, and personal facts hidden among wordy generic chats.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { baselineIndex } from "../../bench/memory-baseline.js";
import { parseTurnsJsonl } from "../../src/memory/import-formats.js";
import { IndexDb } from "../../src/memory/index-db.js";
import { rank } from "../../src/memory/retriever.js";
import type { SourceInput } from "../../src/memory/types.js";
import { ROOT } from "../support/cli.js";

const DIR = path.join(ROOT, "test", "fixtures", "memory");

test("the retriever beats plain BM25 on a synthetic conversational memory", () => {
  const { turns } = parseTurnsJsonl(readFileSync(path.join(DIR, "conversations.jsonl"), "utf8"));
  const queries = JSON.parse(readFileSync(path.join(DIR, "queries.json"), "utf8")) as {
    q: string;
    now: string;
    relevant: string[];
  }[];
  const db = new IndexDb(":memory:");
  const bySession = new Map<string, SourceInput>();
  for (const t of turns) {
    const s = bySession.get(t.session) ?? {
      key: `s:${t.session}`,
      kind: "session" as const,
      label: t.session,
      ts: Date.parse(t.date),
      fingerprint: "",
      chunks: [],
    };
    s.chunks.push({ ref: t.id, role: t.role, ts: Date.parse(t.date), text: t.text });
    bySession.set(t.session, s);
  }
  for (const s of bySession.values()) db.putSource(s);
  const base = baselineIndex(turns.map((t) => ({ id: t.id, text: t.text })));

  const score = (ranked: string[], relevant: string[]) => {
    const top3 = new Set(ranked.slice(0, 3));
    const first = ranked.findIndex((id) => relevant.includes(id));
    return { all3: relevant.every((r) => top3.has(r)) ? 1 : 0, rr: first < 0 ? 0 : 1 / (first + 1) };
  };
  let ours = { all3: 0, rr: 0 };
  let plain = { all3: 0, rr: 0 };
  const perQuery: string[] = [];
  for (const q of queries) {
    const a = score(
      rank(db, q.q, { now: Date.parse(q.now) }).chunks.map((c) => c.chunk.ref),
      q.relevant,
    );
    const b = score(base.search(q.q, 20), q.relevant);
    ours = { all3: ours.all3 + a.all3, rr: ours.rr + a.rr };
    plain = { all3: plain.all3 + b.all3, rr: plain.rr + b.rr };
    perQuery.push(`${q.q}: ours ${a.all3}/${a.rr.toFixed(2)} bm25 ${b.all3}/${b.rr.toFixed(2)}`);
  }
  const n = queries.length;
  const report = `ours recall_all@3 ${ours.all3}/${n} MRR ${(ours.rr / n).toFixed(2)}; BM25 ${plain.all3}/${n} MRR ${(plain.rr / n).toFixed(2)}\n${perQuery.join("\n")}`;
  assert.ok(ours.all3 >= plain.all3 + 2, report);
  assert.ok(ours.rr >= plain.rr + 2, report);
  assert.ok(ours.all3 >= 8, report);
  db.close();
  base.close();
});
