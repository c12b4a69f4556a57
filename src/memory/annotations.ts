// Predictive annotation (Prager et al., "Question-answering by predictive annotation", SIGIR 2000):
// a chunk that states an amount of money gets an extra index term per amount, and a question that
// asks about money gets the same term. "How much did I spend on bike-related expenses?" shares no
// word with "the mechanic charged me $25 for the chain", but both carry MONEY, and BM25 weighs the
// class like any other term (rare in a memory of small talk, common in one of budgets).
//
// The class terms begin with a private-use character, which the word tokenizer never emits, so no
// text can collide with them; FTS5's unicode61 tokenizer keeps them whole.
//
// Only money is annotated. On the LongMemEval-S dev subset, turns that answer a money question state
// an amount 95 % of the time (2–4 % of other turns do); the analogous checks for durations ("how
// long…", 23 %), dates and clock times ("when…", 43 %) and counts ("how many…", 30 %) separate far
// less, so they would add noise, not evidence.

/** First character of every class term. */
const CLASS_MARK = "\uE000";

/** The index term of the MONEY class. */
export const MONEY = `${CLASS_MARK}money`;

/** True for class terms (never produced by the word tokenizer). */
export function isClassTerm(term: string): boolean {
  return term.startsWith(CLASS_MARK);
}

/**
 * Amounts: a currency sign before or after the number ("$25", "€ 1,200", "25€"), a currency code
 * before it ("USD 40"), or a currency word after it ("25 dollars", "40 bucks", "3k euros").
 */
const AMOUNT =
  /[$€£¥₹]\s?\d|\d\s?[€£¥₹]|\b(?:usd|eur|gbp|cad|aud|inr|jpy|chf)\s?\d|\b\d[\d,.]*\s?(?:k|m|bn|million|billion|thousand|hundred)?\s?(?:dollars?|bucks|usd|eur|euros?|gbp|cents?|yen|rupees?|quid)\b/gi;

/** Words that make a question about money by themselves. */
const MONEY_WORDS =
  /\b(?:money|costs?|costing|prices?|priced|pricing|paid|pay|paying|expenses?|expensive|cheap(?:er|est)?|budget|fees?|dollars?|bucks|salary|income|earn(?:ed|ings)?|afford|donat(?:e|ed|ion|ions)|savings)\b|[$€£¥₹]/i;
/** Words that ask about money unless the question asks about time ("how many days did I spend…"). */
const SPEND_WORDS = /\b(?:spend|spent|spending|save|saved|raise|raised|amount)\b/i;
const UNIT = "(?:time|minutes?|hours?|days?|nights?|weeks?|weekends?|months?|years?)";
const ABOUT_TIME = new RegExp(
  `\\bhow (?:many|much) ${UNIT}\\b|\\b(?:spend|spent|spending)\\s+(?:\\w+\\s+){0,2}${UNIT}\\b`,
  "i",
);

/** The class terms `text` carries, one per mention (indexed with its terms). */
export function entityTerms(text: string): string[] {
  const n = text.match(AMOUNT)?.length ?? 0;
  return new Array<string>(n).fill(MONEY);
}

/** The class terms a question asks for (added to its query terms). */
export function answerTypeTerms(question: string): string[] {
  if (MONEY_WORDS.test(question)) return [MONEY];
  if (SPEND_WORDS.test(question) && !ABOUT_TIME.test(question)) return [MONEY];
  return [];
}
