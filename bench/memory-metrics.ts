// Retrieval metrics of the LongMemEval protocol (src/retrieval/eval_utils.py upstream): recall_any@k,
// recall_all@k and nDCG@k (binary relevance) of a ranked list of ids against the evidence ids.

/** recall_any@k, recall_all@k and nDCG@k of `ranked` against `correct` (non-empty). */
export function retrievalMetrics(
  ranked: readonly string[],
  correct: ReadonlySet<string>,
  k: number,
): { any: number; all: number; ndcg: number } {
  const top = new Set(ranked.slice(0, k));
  let hits = 0;
  for (const id of correct) if (top.has(id)) hits++;
  const dcg = (rels: number[]) => rels.reduce((s, r, i) => s + (i === 0 ? r : r / Math.log2(i + 1)), 0);
  const actual = dcg(ranked.slice(0, k).map((id) => (correct.has(id) ? 1 : 0)));
  const ideal = dcg(Array.from({ length: Math.min(k, correct.size) }, () => 1));
  return { any: hits > 0 ? 1 : 0, all: hits === correct.size ? 1 : 0, ndcg: ideal > 0 ? actual / ideal : 0 };
}

/** Value at quantile q (0–1) of unsorted numbers, by nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
