// Okapi BM25 computed in JS over candidate texts, so that query terms can carry weights (feedback
// and expansion terms count less than the user's own words), which FTS5's bm25() cannot do.

/** BM25 parameters: k1 saturates term frequency, b normalises for length. */
export interface Bm25Params {
  k1: number;
  b: number;
}

/** The usual Okapi defaults (also FTS5's). */
export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75 };

/** Robertson–Spärck Jones IDF, floored at a small positive value (as FTS5 does) so no term counts against a match. */
export function idf(docFreq: number, count: number): number {
  return Math.max(1e-6, Math.log((count - docFreq + 0.5) / (docFreq + 0.5) + 1));
}

/** Term counts of a space-separated term string. */
export function termCounts(terms: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of terms.split(" ")) if (t) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

/**
 * BM25 of one document. `weights` maps query terms to (idf × query weight); `tf` is the document's
 * term counts and `length` its term count.
 */
export function bm25(
  weights: ReadonlyMap<string, number>,
  tf: ReadonlyMap<string, number>,
  length: number,
  avgLength: number,
  p: Bm25Params = DEFAULT_BM25,
): number {
  let score = 0;
  const norm = p.k1 * (1 - p.b + (p.b * length) / (avgLength || 1));
  for (const [term, w] of weights) {
    const f = tf.get(term);
    if (f) score += (w * (f * (p.k1 + 1))) / (f + norm);
  }
  return score;
}
