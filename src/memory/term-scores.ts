// Weighted BM25 over the index, term by term. A term's contributions come from FTS5 (its C code
// walks the posting list, about a microsecond a posting), so a query costs the postings it walks.
// Terms are walked rarest first within a budget of postings; the rest (common terms, whose IDF is
// small: they cannot make a weak match strong) are scored only on the candidates the walked terms
// found, from the candidates' stored terms — max-score pruning. The rarest term is always walked.
import { bm25, idf } from "./bm25.js";
import type { Weights } from "./feedback.js";
import type { ChunkMeta, IndexDb } from "./index-db.js";

/** Per term, its weighted contribution to each row that contains it. */
export type TermScores = Map<string, Map<number, number>>;

/** Rows walked per term at most (the best for that term). */
const CAP = 2000;

/** What walking found: scores of walked terms, and the terms left for candidates only. */
export interface Walk {
  scores: TermScores;
  skipped: string[];
}

/**
 * Walks the rarest terms of `weights` at `level` within `budget` postings (FTS5 reads a term's whole
 * posting list to rank it, so a term costs its document frequency). Unless `optional`, the rarest
 * term is walked whatever its cost, so a query always finds candidates.
 */
export function walkTerms(
  db: IndexDb,
  level: "chunk" | "source",
  weights: Weights,
  budget: number,
  optional = false,
): Walk {
  const df = db.docFreq(level, [...weights.keys()]);
  const present = [...weights.keys()]
    .filter((t) => (df.get(t) ?? 0) > 0)
    .sort((a, b) => (df.get(a) ?? 0) - (df.get(b) ?? 0));
  const scores: TermScores = new Map();
  const skipped: string[] = [];
  let spent = 0;
  for (const t of present) {
    const n = df.get(t) ?? 0;
    if ((optional || scores.size > 0) && spent + n > budget) {
      skipped.push(t);
      continue;
    }
    spent += n;
    const m = db.termScores(level, t, CAP);
    const w = weights.get(t) ?? 0;
    for (const [id, s] of m) m.set(id, w * s);
    scores.set(t, m);
  }
  return { scores, skipped };
}

/** Adds the skipped terms' contributions for chunks whose stored terms are given. */
export function scoreSkipped(
  db: IndexDb,
  metas: readonly ChunkMeta[],
  termsOf: ReadonlyMap<number, string>,
  skipped: readonly string[],
  weights: Weights,
  into: TermScores,
): void {
  if (skipped.length === 0) return;
  const stats = db.levelStats().chunks;
  const df = db.docFreq("chunk", skipped);
  for (const t of skipped) {
    const w = new Map([[t, (weights.get(t) ?? 0) * idf(df.get(t) ?? 0, stats.count)]]);
    const m = new Map<number, number>();
    const needle = ` ${t} `;
    for (const meta of metas) {
      const terms = termsOf.get(meta.id);
      if (terms === undefined) continue;
      // Counting one term by search is much cheaper than building the chunk's whole term table.
      const hay = ` ${terms} `;
      let tf = 0;
      for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + needle.length - 1)) tf++;
      if (tf > 0) m.set(meta.id, bm25(w, new Map([[t, tf]]), meta.length, stats.avgLength));
    }
    into.set(t, m);
  }
}

/**
 * Drops the contributions of `dependent` terms (answer classes) to rows that no other term matches:
 * an amount of money is evidence for a turn about the question's topic, not a match by itself.
 */
export function dependOnOthers(scores: TermScores, dependent: ReadonlySet<string>): void {
  if (dependent.size === 0) return;
  const matched = new Set<number>();
  for (const [t, m] of scores) if (!dependent.has(t)) for (const id of m.keys()) matched.add(id);
  for (const t of dependent) {
    const m = scores.get(t);
    if (m) for (const id of m.keys()) if (!matched.has(id)) m.delete(id);
  }
}

/** Sum over terms, per row. */
export function total(scores: TermScores): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of scores.values()) for (const [id, s] of m) out.set(id, (out.get(id) ?? 0) + s);
  return out;
}

/** The `n` best entries, best first. */
export function best(m: ReadonlyMap<number, number>, n: number): [number, number][] {
  if (n <= 0) return [];
  let entries = [...m];
  if (entries.length > n * 2) {
    // Only entries at or above the n-th best value can make it: find it with a native numeric sort
    // and sort just those (stable, so ties keep insertion order as a full sort would).
    const values = Float64Array.from(m.values()).sort();
    const nth = values[values.length - n];
    entries = entries.filter((e) => e[1] >= nth);
  }
  return entries.sort((a, b) => b[1] - a[1]).slice(0, n);
}

/** The largest value (a tiny positive number for an empty map, so it can divide). */
export function maxValue(m: ReadonlyMap<number, number>): number {
  let x = 1e-9;
  for (const v of m.values()) if (v > x) x = v;
  return x;
}
