// Query-independent signals of a chunk, computed once at indexing time.
//
// First person: in a personal memory, a question asked in the first person ("what did I…", "my
// dog") is about the asker's own life, and the turns that can answer it are the ones where the
// user talks about themselves ("I adopted…"), not generic requests ("explain compound interest").
// The ranking gives a mild boost by the share of first-person words (see retriever.ts).

/** First-person singular words, as index terms (apostrophes removed: "i'm" → "im"). */
export const FIRST_PERSON = new Set(["i", "my", "me", "mine", "myself", "im", "ive", "id", "ill"]);

/** How many of `terms` are first-person words. */
export function firstPersonCount(terms: readonly string[]): number {
  let n = 0;
  for (const t of terms) if (FIRST_PERSON.has(t)) n++;
  return n;
}

/** 0–1: how much a text of `length` terms with `count` first-person words talks about its author. */
export function selfness(count: number, length: number): number {
  return Math.min(1, (10 * count) / Math.max(length, 1));
}
