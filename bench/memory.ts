// Benchmark: Ratchet's memory retrieval on LongMemEval-S (the dev subset in ../shared/data), with the
// official retrieval protocol: per question, the haystack's user turns are indexed through Ratchet's
// own memory index, the question is the query (with the question's date as "now"), and the
// evidence sessions and turns are scored at session granularity (recall_any@5, recall_all@5,
// nDCG@10) and turn granularity (recall_any@10, recall_all@10), per question type and overall,
// skipping abstention (_abs) questions and questions with no evidence in user turns. The plain
// FTS5 BM25 baseline (Porter, OR of the question's tokens) runs on the same items in the same run.
// Then a scale run: ~200k turns (the dev haystacks repeated with distinct session ids) in one
// on-disk index: build time, index size, query latency.
//
// With an embeddings endpoint, a third system runs beside them: memory search as the agent gets it,
// lexical and vector rankings fused (search.ts); its sessions are ranked by their best turn.
//
//   npm run bench:memory                                # dev set + scale run
//   npm run bench:memory -- --data path/to/file.json --no-scale --limit 20
//   npm run bench:memory -- --no-scale --embed-url http://127.0.0.1:8080/v1 --embed-model nomic-embed-text [--embed-key-env KEY] [--embed-weight W]
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { configuredEmbedder, type Embedder, embedMissing } from "../src/memory/embeddings.js";
import { IndexDb } from "../src/memory/index-db.js";
import { rank } from "../src/memory/retriever.js";
import { searchMemory } from "../src/memory/search.js";
import { terms } from "../src/memory/tokenize.js";
import type { SourceInput } from "../src/memory/types.js";
import { baselineIndex } from "./memory-baseline.js";
import { evidence, type Item, parseLmeDate, type Scores, score, sourcesOf } from "./memory-lme.js";
import { quantile } from "./memory-metrics.js";

let P: Record<string, number> | undefined;
const METRICS: (keyof Scores)[] = ["sAny5", "sAll5", "sNdcg10", "tAny10", "tAll10"];
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

type System = "ours" | "base" | "hybrid";
type Row = { type: string; id: string } & Partial<Record<System, Scores>>;

/** Runs the systems on every scorable item (hybrid only with an embedder). */
async function devRun(items: Item[], verbose: boolean, embedder?: Embedder) {
  const rows: Row[] = [];
  const latOurs: number[] = [];
  const latBase: number[] = [];
  const latHybrid: number[] = [];
  let skipped = 0;
  for (const item of items) {
    if (item.question_id.endsWith("_abs")) continue;
    const ev = evidence(item);
    if (ev.sessions.size === 0) {
      skipped++;
      continue;
    }
    const now = parseLmeDate(item.question_date);
    const db = new IndexDb(":memory:");
    for (const s of sourcesOf(item)) db.putSource(s);
    const t0 = performance.now();
    const r = rank(db, item.question, { limit: 50, now, ...(P ? { p: P } : {}) });
    latOurs.push(performance.now() - t0);
    const labels = new Map(r.sources.map((s) => [s.sourceId, db.source(s.sourceId)?.label ?? ""]));
    const ours = score(
      r.sources.map((s) => labels.get(s.sourceId) ?? ""),
      r.chunks.map((c) => c.chunk.ref),
      ev,
    );
    let hybrid: Scores | undefined;
    if (embedder) {
      await embedMissing(db, embedder);
      const t2 = performance.now();
      const hits = await searchMemory(db, item.question, { limit: 50, now, embedder });
      latHybrid.push(performance.now() - t2);
      hybrid = score(
        [...new Set(hits.map((h) => h.source))],
        hits.map((h) => h.ref),
        ev,
      );
    }
    db.close();

    const sessDocs = item.haystack_sessions.map((ts, i) => ({
      id: item.haystack_session_ids[i],
      text: ts
        .filter((t) => t.role === "user")
        .map((t) => t.content)
        .join(" "),
    }));
    const turnDocs = item.haystack_sessions.flatMap((ts, i) =>
      ts.flatMap((t, j) =>
        t.role === "user" ? [{ id: `${item.haystack_session_ids[i]}_${j + 1}`, text: t.content }] : [],
      ),
    );
    const bs = baselineIndex(sessDocs);
    const bt = baselineIndex(turnDocs);
    const t1 = performance.now();
    const baseSessions = bs.search(item.question, 50);
    latBase.push(performance.now() - t1);
    const base = score(baseSessions, bt.search(item.question, 50), ev);
    bs.close();
    bt.close();
    rows.push({ type: item.question_type, id: item.question_id, ours, base, ...(hybrid ? { hybrid } : {}) });
    if (verbose && (ours.sAll5 < 1 || ours.tAll10 < 1)) {
      const sl = r.sources.map((s) => labels.get(s.sourceId) ?? "");
      const tl = r.chunks.map((c) => c.chunk.ref);
      const sr = [...ev.sessions].map((s) => sl.indexOf(s));
      const tr = [...ev.turns].map((t) => tl.indexOf(t));
      if (process.env.DEBUGQ === item.question_id) {
        const dates = new Map(item.haystack_session_ids.map((id, i) => [id, item.haystack_dates[i]]));
        const sessText = new Map(
          item.haystack_session_ids.map((id, i) => [
            id,
            item.haystack_sessions[i].find((t) => t.role === "user")?.content ?? "",
          ]),
        );
        for (const s of r.sources.slice(0, 12)) {
          const l = labels.get(s.sourceId) ?? "";
          process.stdout.write(
            `  S ${ev.sessions.has(l) ? "*" : " "} ${s.score.toFixed(3)} ${l} ${dates.get(l)} ${sessText.get(l)?.slice(0, 110).replace(/\n/g, " ")}\n`,
          );
        }
        for (const c of r.chunks.slice(0, 15))
          process.stdout.write(
            `  ${ev.turns.has(c.chunk.ref) ? "*" : " "} ${c.score.toFixed(3)} ${c.chunk.ref} ${c.chunk.text.slice(0, 150).replace(/\n/g, " ")}\n`,
          );
      }
      process.stdout.write(
        `miss ${item.question_id} ${item.question_type} sess ranks ${sr} turn ranks ${tr} | ${item.question} [${item.question_date}]\n`,
      );
    }
  }
  return { rows, latOurs, latBase, latHybrid, skipped };
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}`;
}

function printTable(rows: string[][]) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i])).join("  ")}\n`);
}

function report(res: Awaited<ReturnType<typeof devRun>>) {
  const types = [...new Set(res.rows.map((r) => r.type))].sort();
  const systems: System[] = res.latHybrid.length > 0 ? ["ours", "base", "hybrid"] : ["ours", "base"];
  const header = ["type", "n", ...METRICS.flatMap((m) => [`${m} ours`, ...systems.slice(1)])];
  const table = [header];
  const mean = (rs: Row[], sys: System, m: keyof Scores) =>
    rs.reduce((s, r) => s + (r[sys]?.[m] ?? 0), 0) / rs.length;
  for (const t of [...types, "overall"]) {
    const rs = t === "overall" ? res.rows : res.rows.filter((r) => r.type === t);
    table.push([
      t,
      String(rs.length),
      ...METRICS.flatMap((m) => systems.map((sys) => pct(mean(rs, sys, m)))),
    ]);
  }
  process.stdout.write(
    "\nsession granularity: sAny5 = recall_any@5, sAll5 = recall_all@5, sNdcg10 = nDCG@10; turn granularity: tAny10 = recall_any@10, tAll10 = recall_all@10 (%)\n",
  );
  printTable(table);
  process.stdout.write(
    `questions scored: ${res.rows.length} (skipped: abstention, and ${res.skipped} with evidence only in assistant turns)\n`,
  );
  process.stdout.write(
    `query latency ours: p50 ${quantile(res.latOurs, 0.5).toFixed(2)} ms, p95 ${quantile(res.latOurs, 0.95).toFixed(2)} ms; baseline (session table): p50 ${quantile(res.latBase, 0.5).toFixed(2)} ms, p95 ${quantile(res.latBase, 0.95).toFixed(2)} ms${res.latHybrid.length > 0 ? `; hybrid (with the query's embedding): p50 ${quantile(res.latHybrid, 0.5).toFixed(2)} ms, p95 ${quantile(res.latHybrid, 0.95).toFixed(2)} ms` : ""}\n`,
  );
}

async function main() {
  const { values } = parseArgs({
    options: {
      data: { type: "string", default: path.join(ROOT, "..", "shared", "data", "longmemeval-s-dev100.json") },
      limit: { type: "string" },
      "no-scale": { type: "boolean", default: false },
      "scale-only": { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      "scale-index": { type: "string" },
      p: { type: "string" },
      "embed-url": { type: "string" },
      "embed-model": { type: "string" },
      "embed-key-env": { type: "string" },
      "embed-weight": { type: "string" },
    },
  });
  const url = values["embed-url"];
  if (url && !values["embed-model"]) throw new Error("--embed-url needs --embed-model NAME too");
  const keyEnv = values["embed-key-env"];
  const weight = values["embed-weight"] === undefined ? undefined : Number(values["embed-weight"]);
  if (weight !== undefined && !(weight >= 0)) throw new Error("--embed-weight must be a number ≥ 0");
  const embedder = url
    ? configuredEmbedder(
        {
          baseUrl: url,
          model: values["embed-model"] as string,
          ...(keyEnv ? { apiKeyEnv: keyEnv } : {}),
          ...(weight !== undefined ? { weight } : {}),
        },
        process.env,
      )
    : undefined;
  if (!existsSync(values.data)) throw new Error(`no data at ${values.data}; pass --data PATH`);
  let items = JSON.parse(readFileSync(values.data, "utf8")) as Item[];
  if (values.limit) items = items.slice(0, Number(values.limit));
  if (values.p) P = JSON.parse(values.p);
  if (!values["scale-only"]) report(await devRun(items, values.verbose, embedder));
  if (!values["no-scale"]) await scaleRun(items, values["scale-index"]);
}

/** ~200k turns (both roles, as the agent's own transcripts would be) in one on-disk index. */
async function scaleRun(items: Item[], keep?: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ratchet-memscale-"));
  const file = keep ?? path.join(dir, "memory.sqlite");
  try {
    const reuse = keep !== undefined && existsSync(keep);
    const db = new IndexDb(file);
    // The dev haystacks share sessions: index each distinct session once per copy.
    const unique = new Map<string, SourceInput>();
    for (const item of items) for (const s of sourcesOf(item, ["user", "assistant"])) unique.set(s.key, s);
    const perCopy = [...unique.values()].reduce((n, s) => n + s.chunks.length, 0);
    const copies = Math.max(1, Math.round(200_000 / perCopy));
    const t0 = performance.now();
    let turns = 0;
    let sessions = 0;
    for (let c = 0; c < (reuse ? 0 : copies); c++) {
      for (const s of unique.values()) {
        const sid = `${s.label}#${c}`;
        db.putSource({
          ...s,
          key: `session:${sid}`,
          label: sid,
          chunks: s.chunks.map((ch) => ({ ...ch, ref: `${sid}/${ch.ref}` })),
        });
        turns += s.chunks.length;
        sessions++;
      }
    }
    const buildMs = performance.now() - t0;
    db.db.pragma("wal_checkpoint(TRUNCATE)");
    const size = statSync(file).size;
    const lat: number[] = [];
    const base: number[] = [];
    // The plain baseline on the same index: an FTS5 OR of every token of the question, BM25-ranked.
    const plain = db.db.prepare("SELECT rowid FROM chunk_fts WHERE chunk_fts MATCH ? ORDER BY rank LIMIT 10");
    for (const item of items) {
      const t1 = performance.now();
      rank(db, item.question, { limit: 10, now: parseLmeDate(item.question_date) });
      lat.push(performance.now() - t1);
      const tokens = [...new Set(terms(item.question))];
      const t2 = performance.now();
      if (tokens.length > 0) plain.all(tokens.map((t) => `"${t}"`).join(" OR "));
      base.push(performance.now() - t2);
    }
    db.close();
    process.stdout.write(
      `\nscale run: ${turns} turns in ${sessions} sessions (${copies} copies of the dev set's distinct sessions); build ${(buildMs / 1000).toFixed(1)} s; index ${(size / 1048576).toFixed(1)} MB; query p50 ${quantile(lat, 0.5).toFixed(1)} ms, p95 ${quantile(lat, 0.95).toFixed(1)} ms, max ${Math.max(...lat).toFixed(1)} ms (${lat.length} queries); plain FTS5 OR query on the same index: p50 ${quantile(base, 0.5).toFixed(1)} ms, p95 ${quantile(base, 0.95).toFixed(1)} ms\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
