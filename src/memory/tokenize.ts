// Text → index terms. One tokenizer serves the index, the queries and the feedback, so every stage
// agrees on what a term is: lower case, diacritics folded, possessive "'s" dropped, other
// apostrophes removed ("don't" → "dont"), a few written abbreviations expanded ("dr" → "doctor"),
// Porter2 (Snowball English) stems, numbers kept as they are, and each CJK character a term of its
// own (those scripts put no spaces between words). Terms are only letters and digits, so they are
// always safe inside a quoted FTS5 string.
import porter2 from "wink-porter2-stemmer";
import { isStopword } from "./stopwords.js";

/** Longest term kept; longer runs (hashes, base64) are cut so one blob cannot bloat the index. */
const MAX_TERM = 40;
const WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;
const CJK = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]$/u;
const MARKS = /\p{M}+/gu;

/** Common written abbreviations, read as the word they stand for ("Dr. Okafor" is a doctor). */
const ABBREVIATIONS: Record<string, string> = {
  dr: "doctor",
  appt: "appointment",
  appts: "appointments",
  bday: "birthday",
  hr: "hour",
  hrs: "hours",
  min: "minute",
  mins: "minutes",
  wk: "week",
  wks: "weeks",
  yr: "year",
  yrs: "years",
  mo: "month",
  mos: "months",
  pic: "picture",
  pics: "pictures",
  info: "information",
};

const cache = new Map<string, string>();

/** The stem of one lower-case word (cached: conversational text repeats its words a lot). */
export function stem(word: string): string {
  let s = cache.get(word);
  if (s === undefined) {
    s = /\d/.test(word) || CJK.test(word) || word.length < 3 ? word : porter2(word);
    if (cache.size > 200_000) cache.clear();
    cache.set(word, s);
  }
  return s;
}

/** Surface words of `text`: lower case, folded diacritics, no apostrophes; in order. */
export function words(text: string): string[] {
  const out: string[] = [];
  const folded = text.normalize("NFKD").replace(MARKS, "").toLowerCase();
  for (const m of folded.matchAll(WORD)) {
    let w = m[0].replace(/['’]s$/, "").replace(/['’]/g, "");
    if (w.length > MAX_TERM) w = w.slice(0, MAX_TERM);
    // Own keys only: "constructor" must not read Object.prototype.constructor.
    out.push(Object.hasOwn(ABBREVIATIONS, w) ? ABBREVIATIONS[w] : w);
  }
  return out;
}

/** Every term of `text`, in order (the index adds class terms to them, see annotations.ts). */
export function terms(text: string): string[] {
  return words(text).map(stem);
}

/**
 * Verbs that take another verb ("plan to service", "trying to decide", "wanted to follow up"): the
 * complement says what the question is about; the verb before it only frames it.
 */
const CATENATIVE =
  /\b(?:plan|plans|planned|planning|try|tries|tried|trying|decide|decided|deciding|hope|hoped|hoping|intend|intended|intending|need|needed|have|has|had|used|going|manage|managed|start|started|begin|began|continue|continued)\s+(?=to\b)/gi;

/**
 * The terms of a query that carry evidence: stop words dropped, first occurrence order, no repeats.
 * A query of stop words only ("to be or not to be", "The Who") keeps them all.
 */
export function queryTerms(text: string): string[] {
  const all = words(text.replace(CATENATIVE, " "));
  const kept = all.filter((w) => !isStopword(w));
  return [...new Set((kept.length > 0 ? kept : all).map(stem))];
}
