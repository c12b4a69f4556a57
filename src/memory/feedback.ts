// Pseudo-relevance feedback (RM3): the best-matching conversations are assumed relevant, and the
// terms that characterise them (frequent in them, rare in the corpus) join the query with a smaller
// weight. In conversational memory this is what connects the several conversations a question spans
// ("furniture I bought" → the chats about the coffee table, the bookshelf, the throw pillows): they
// share vocabulary with each other more than with the question.
import { isClassTerm } from "./annotations.js";
import { isStopword } from "./stopwords.js";

/** Query term → weight. */
export type Weights = Map<string, number>;

/** A feedback document: its terms and how much it counts (its normalised score). */
export interface FeedbackDoc {
  terms: readonly string[];
  weight: number;
}

/**
 * Up to `count` expansion terms drawn from `docs`, skipping `exclude` (the query's own terms),
 * stop words, numbers, one- or two-letter terms and class terms (an amount of money in the best
 * conversations says nothing about what else the question is about). Their weights sum to `mass`
 * (the expansion as a whole weighs that much against the original query).
 */
export function expansionTerms(
  docs: readonly FeedbackDoc[],
  exclude: ReadonlySet<string>,
  docFreq: (terms: string[]) => Map<string, number>,
  corpusSize: number,
  count: number,
  mass: number,
): Weights {
  const relevance = new Map<string, number>();
  for (const d of docs) {
    const len = d.terms.length || 1;
    for (const t of d.terms) {
      if (exclude.has(t) || t.length < 3 || /^\d+$/.test(t) || isClassTerm(t) || isStopword(t)) continue;
      relevance.set(t, (relevance.get(t) ?? 0) + d.weight / len);
    }
  }
  // Document frequencies cost a lookup each: only the most frequent candidates are considered.
  const pool = [...relevance].sort((a, b) => b[1] - a[1]).slice(0, 25);
  const df = docFreq(pool.map(([t]) => t));
  const scored = pool
    .map(([t, v]) => [t, v * Math.log((corpusSize + 1) / ((df.get(t) ?? 0) + 0.5))] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count);
  const total = scored.reduce((x, [, v]) => x + v, 0) || 1;
  return new Map(scored.map(([t, v]) => [t, (mass * v) / total]));
}
