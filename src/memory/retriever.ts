// Ranks conversations/files ("sources") and their turns/blocks ("chunks") for a query, with no model.
// Signals, each general to conversational memory (none keyed to a benchmark's question types):
//  1. BM25 over Porter2 stems, stop words and the conversational frame of the question dropped;
//  2. source-level evidence: a whole conversation is scored as one document, with relevance
//     feedback (RM3, feedback.ts) from the best conversations;
//  3. a chunk's score adds its conversation's score (λ) and its neighbours' (μ): facts are often
//     stated without repeating the topic word ("Max, my golden retriever" under "my dog");
//  4. first mention: a term's credit goes mostly to the first turn of a conversation that uses it;
//  5. time: phrases like "last Tuesday" or "in March" (time-hints.ts) favour chunks dated in range —
//     strongly when the range is selective — and "currently"/"latest" favour newer ones;
//  6. first person: questions about "I/my" favour chunks where the user talks about themselves;
//  7. answer class: a question about money favours turns that state an amount (annotations.ts).
// The weights were set on the LongMemEval-S dev subset (see bench/memory.ts) and on nothing else.
import { answerTypeTerms } from "./annotations.js";
import { expansionTerms, type Weights } from "./feedback.js";
import type { ChunkMeta, ChunkRow, IndexDb } from "./index-db.js";
import { FIRST_PERSON, selfness } from "./signals.js";
import { best, dependOnOthers, maxValue, scoreSkipped, total, walkTerms } from "./term-scores.js";
import { rangeFit, type TimeHints, timeHints } from "./time-hints.js";
import { queryTerms, words } from "./tokenize.js";

/** Tunable weights of the ranking (defaults in DEFAULTS). */
export interface RankParams {
  /** Feedback conversations, feedback terms, and the feedback's total weight relative to the query. */
  prfDocs: number;
  prfTerms: number;
  prfWeight: number;
  /** Share of the feedback weight used when scoring chunks (feedback finds conversations better than turns). */
  chunkPrf: number;
  /** Conversation → chunk (λ), neighbour → chunk (μ), best chunk → conversation (κ). */
  lambda: number;
  mu: number;
  kappa: number;
  /** Share of a repeated term's credit kept by later chunks of the same conversation. */
  nu: number;
  /** Out-of-range penalty (δ) and in-range bonus (ε) for dated queries; recency bonus (ρ). */
  delta: number;
  eps: number;
  rho: number;
  /** First-person boost for conversations (σ) and for chunks (σT). */
  sigma: number;
  sigmaT: number;
  /** Conversations whose chunks all become candidates, and other candidates kept. */
  topSources: number;
  maxCandidates: number;
  /**
   * Spread of the chunk list over conversations: past the first `divFree` chunks of a relevant
   * conversation (score ≥ θ × the best's), each further chunk keeps γ^k of its score.
   */
  gamma: number;
  divFree: number;
  theta: number;
  /**
   * Weight of the answer class a question asks for (annotations.ts) in turns, against a query word's
   * 1: the turn that answers "how much did I spend" states the amount, while a conversation that
   * mentions some amount is only as likely as one that shares a word (there the class weighs 1).
   */
  alpha: number;
}

/** Defaults, chosen on the dev subset of LongMemEval-S. */
export const DEFAULTS: RankParams = {
  prfDocs: 3,
  prfTerms: 10,
  prfWeight: 1,
  chunkPrf: 1,
  lambda: 0.5,
  mu: 0.2,
  kappa: 0.5,
  nu: 0.3,
  delta: 0.8,
  eps: 1.5,
  rho: 0.1,
  sigma: 1,
  sigmaT: 0.5,
  topSources: 10,
  maxCandidates: 250,
  gamma: 0.8,
  divFree: 1,
  theta: 0.5,
  alpha: 2,
};

/** Options of one ranking. */
export interface RankOptions {
  /** Chunks returned at most. */
  limit?: number;
  /** "Now" for relative dates (epoch ms); default the current time. */
  now?: number;
  /** Hard time window (epoch ms): nothing dated outside it, or undated, is returned. */
  window?: { from: number; to: number };
  p?: Partial<RankParams>;
}

/** A chunk and its score. */
export interface ScoredChunk {
  chunk: ChunkRow;
  score: number;
}

/** Both rankings, best first. */
export interface Ranking {
  chunks: ScoredChunk[];
  sources: { sourceId: number; score: number }[];
}

/** Most query terms used; a pasted page of text would otherwise cost a posting list per word. */
const MAX_TERMS = 48;
/** Chunks per conversation taken as candidates from the best conversations. */
const PER_SOURCE = 30;
/** Candidates on which common (unwalked) terms are scored. */
const SKIPPED_SCORED = 150;
/** Sources kept for scoring (besides those in a queried date range). */
const MAX_SOURCES = 300;
/**
 * Postings walked per query at each level, for the query's own terms and again for feedback terms
 * (see term-scores.ts). FTS5 ranks a few hundred thousand postings a second; these keep a query on a
 * 200k-turn memory to tens of milliseconds. Small memories never reach them.
 */
const SOURCE_BUDGET = 1500;
const CHUNK_BUDGET = 3000;

/** What a query is, once read: its terms (weighted), its time hints, whether it is about "me". */
interface Query {
  terms: string[];
  /** Term weights for chunks, and for sources (where the answer class counts as a word). */
  weights: Weights;
  sourceWeights: Weights;
  /** Answer classes asked for; they count only where a word of the query (or feedback) matches too. */
  classes: ReadonlySet<string>;
  hints: TimeHints;
  aboutMe: boolean;
  now: number;
}

/** Ranks chunks and sources for `query`. */
export function rank(db: IndexDb, query: string, opts: RankOptions = {}): Ranking {
  const p = { ...DEFAULTS, ...opts.p };
  const now = opts.now ?? Date.now();
  const hints = timeHints(query, now);
  if (opts.window) hints.ranges.push({ ...opts.window, slack: 1, text: "" });
  const classes = answerTypeTerms(query);
  const terms = [...classes, ...queryTerms(hints.rest)].slice(0, MAX_TERMS);
  if (terms.length === 0 && hints.ranges.length === 0) return { chunks: [], sources: [] };
  const q: Query = {
    terms,
    weights: new Map(terms.map((t) => [t, classes.includes(t) ? p.alpha : 1])),
    sourceWeights: new Map(terms.map((t) => [t, 1])),
    classes: new Set(classes),
    hints,
    aboutMe: words(query).some((w) => FIRST_PERSON.has(w)),
    now,
  };
  const src = rankSources(db, q, p);
  let scored = rankChunks(db, q, p, src);
  if (opts.window) {
    const { from, to } = opts.window;
    scored = scored.filter((c) => c.meta.ts !== null && c.meta.ts >= from && c.meta.ts <= to);
  }

  // Sources: their own evidence and their best chunk's.
  const bestChunk = new Map<number, number>();
  for (const c of scored) if (!bestChunk.has(c.meta.sourceId)) bestChunk.set(c.meta.sourceId, c.own);
  const sources = [...new Set([...src.adjusted.keys(), ...bestChunk.keys()])]
    .filter((id) => !opts.window || bestChunk.has(id))
    .map((id) => ({ sourceId: id, score: (src.adjusted.get(id) ?? 0) + p.kappa * (bestChunk.get(id) ?? 0) }))
    .sort((a, b) => b.score - a.score);
  const lead = sources.length > 0 ? sources[0].score : 0;
  const relevant = new Set(sources.filter((s) => s.score >= p.theta * lead).map((s) => s.sourceId));
  const top = diversify(scored, relevant, p).slice(0, opts.limit ?? 50);
  const rows = new Map(db.chunks(top.map((c) => c.meta.id)).map((r) => [r.id, r]));
  const chunks = top.flatMap((c) => {
    const chunk = rows.get(c.meta.id);
    return chunk ? [{ chunk, score: c.score }] : [];
  });
  return { chunks, sources };
}

/** Source-level scores: raw (with feedback) and adjusted for time and first person. */
interface SourceScores {
  raw: Map<number, number>;
  maxRaw: number;
  adjusted: Map<number, number>;
  expansion: Weights;
  time: (score: number, ts: number | null) => number;
}

/** Scores sources by BM25 over whole conversations, with relevance feedback from the best ones. */
function rankSources(db: IndexDb, q: Query, p: RankParams): SourceScores {
  const stats = db.levelStats();
  const walked = walkTerms(db, "source", q.sourceWeights, SOURCE_BUDGET).scores;
  dependOnOthers(walked, q.classes);
  const s0 = total(walked);
  let expansion: Weights = new Map();
  if (p.prfDocs > 0 && p.prfTerms > 0 && s0.size > 0) {
    const top = best(s0, p.prfDocs);
    const termsOf = db.sourceTerms(top.map(([id]) => id));
    const docs = top.map(([id, s]) => ({ terms: termsOf.get(id) ?? [], weight: s / top[0][1] }));
    const df = (ts: string[]) => db.docFreq("source", ts);
    const mass = p.prfWeight * q.terms.length;
    expansion = expansionTerms(docs, new Set(q.terms), df, stats.sources.count, p.prfTerms, mass);
  }
  const all = new Map(s0);
  for (const [id, v] of total(walkTerms(db, "source", expansion, SOURCE_BUDGET, true).scores))
    all.set(id, (all.get(id) ?? 0) + v);
  const raw = new Map(best(all, MAX_SOURCES));
  for (const r of q.hints.ranges)
    for (const id of db.sourceIdsBetween(r.from - r.slack, r.to + r.slack, 200))
      if (!raw.has(id)) raw.set(id, 0);
  const info = db.sourceInfo([...raw.keys()]);
  const dates = [...info.values()].map((i) => i.ts);
  const time = timeScorer(db, q.hints, q.now, p, dates);
  const maxRaw = maxValue(raw);
  const adjusted = new Map<number, number>();
  for (const [id, v] of raw) {
    const i = info.get(id);
    const boost = q.aboutMe && i ? 1 + p.sigma * selfness(i.self, i.length) : 1;
    adjusted.set(id, time(v / maxRaw, i?.ts ?? null) * boost);
  }
  return { raw, maxRaw, adjusted, expansion, time };
}

/** Scores candidate chunks: own BM25, their source's score, their neighbours', time, first person. */
function rankChunks(
  db: IndexDb,
  q: Query,
  p: RankParams,
  src: SourceScores,
): { meta: ChunkMeta; score: number; own: number }[] {
  const exp = [...src.expansion].map(([t, w]) => [t, w * p.chunkPrf] as const);
  const weights: Weights = new Map([...q.weights, ...exp]);
  const walked = walkTerms(db, "chunk", q.weights, CHUNK_BUDGET);
  const walkedExp = walkTerms(db, "chunk", new Map(exp), CHUNK_BUDGET / 3, true);
  const perTerm = new Map([...walked.scores, ...walkedExp.scores]);
  const skipped = [...walked.skipped, ...walkedExp.skipped];
  dependOnOthers(perTerm, q.classes);
  let own = total(perTerm);
  const ids = new Set(best(own, p.maxCandidates).map(([id]) => id));
  const topSources = best(src.adjusted, p.topSources).map(([id]) => id);
  for (const id of db.chunkIdsOf(topSources, PER_SOURCE)) ids.add(id);
  const metas = db.chunkMeta([...ids]);
  if (skipped.length > 0) {
    // Common terms only reorder the front: score them on the best candidates so far.
    const prelim = new Map(
      metas.map((m) => [m.id, (own.get(m.id) ?? 0) + (src.raw.get(m.sourceId) ?? 0) / src.maxRaw]),
    );
    const front = new Set(best(prelim, SKIPPED_SCORED).map(([id]) => id));
    const frontMetas = metas.filter((m) => front.has(m.id));
    scoreSkipped(db, frontMetas, db.chunkTerms([...front]), skipped, weights, perTerm);
    dependOnOthers(perTerm, q.classes);
    own = total(perTerm);
  }
  firstMention(metas, perTerm, own, p.nu);
  const maxOwn = maxValue(own);
  const at = new Map(metas.map((r) => [`${r.sourceId}:${r.ord}`, own.get(r.id) ?? 0]));
  const scored = metas.map((r) => {
    const mine = (own.get(r.id) ?? 0) / maxOwn;
    const before = at.get(`${r.sourceId}:${r.ord - 1}`) ?? 0;
    const after = at.get(`${r.sourceId}:${r.ord + 1}`) ?? 0;
    const context =
      p.lambda * ((src.raw.get(r.sourceId) ?? 0) / src.maxRaw) + (p.mu * Math.max(before, after)) / maxOwn;
    const score = src.time(mine + context, r.ts);
    const boost = q.aboutMe ? 1 + p.sigmaT * selfness(r.self, r.length) : 1;
    return { meta: r, score: score * boost, own: mine };
  });
  return scored.sort((a, b) => b.score - a.score);
}

/**
 * Spreads the chunk list over the relevant conversations. A question whose answer spans several
 * conversations ("how many…", "in total", "both") needs a chunk from each near the top, but the
 * best-matching conversation usually has several chunks that all outscore the others' best (they
 * share its topic words and its conversation score). So past the first `divFree` chunks of a
 * conversation, the k-th further one keeps γ^k of its score — a greedy MMR whose redundancy is "same
 * conversation as chunks already listed"; the order within a conversation is kept. Chunks of
 * conversations that are not themselves relevant are demoted as a conversation's second chunk
 * would be, so diversity never lifts an off-topic conversation over a relevant one's chunks.
 */
export function diversify<T extends { meta: { sourceId: number }; score: number }>(
  ranked: readonly T[],
  relevant: ReadonlySet<number>,
  p: Pick<RankParams, "gamma" | "divFree">,
): T[] {
  if (p.gamma >= 1) return [...ranked];
  const seen = new Map<number, number>();
  return ranked
    .map((c) => {
      const k = seen.get(c.meta.sourceId) ?? 0;
      seen.set(c.meta.sourceId, k + 1);
      const extra = relevant.has(c.meta.sourceId) ? Math.max(0, k - p.divFree) : 1;
      return { c, s: c.score * p.gamma ** extra };
    })
    .sort((a, b) => b.s - a.s)
    .map((x) => x.c);
}

/**
 * Within a conversation, the chunk that first brings up a term states the fact; later chunks that
 * repeat it are mostly follow-ups, so they keep only `nu` of that term's credit.
 */
function firstMention(
  rows: readonly ChunkMeta[],
  perTerm: Map<string, Map<number, number>>,
  totals: Map<number, number>,
  nu: number,
) {
  if (nu >= 1) return;
  const ordered = [...rows].sort((a, b) => a.sourceId - b.sourceId || a.ord - b.ord);
  for (const m of perTerm.values()) {
    const seen = new Set<number>();
    for (const r of ordered) {
      const c = m.get(r.id);
      if (!c) continue;
      if (seen.has(r.sourceId)) totals.set(r.id, (totals.get(r.id) ?? 0) - (1 - nu) * c);
      else seen.add(r.sourceId);
    }
  }
}

/**
 * Adjusts a relevance score for time: with dated phrases in the query, out-of-range items lose up
 * to δ of their score and in-range items gain ε × fit, scaled by how selective the range is (a range
 * covering most of the memory says little); with recency words, newer items gain up to ρ.
 */
function timeScorer(
  db: IndexDb,
  hints: TimeHints,
  now: number,
  p: RankParams,
  dates: (number | null)[],
): (score: number, ts: number | null) => number {
  const { ranges, recency } = hints;
  const known = dates.filter((d): d is number => d !== null);
  const oldest = Math.min(...known, now);
  let coverage = 1;
  if (ranges.length > 0) {
    const all = db.levelStats().sources.count || 1;
    const inRange = ranges.reduce((n, r) => n + db.countSourcesBetween(r.from, r.to), 0);
    coverage = Math.min(1, inRange / all);
  }
  return (score, ts) => {
    if (ts === null) return ranges.length > 0 ? score * (1 - p.delta) : score;
    let s = score;
    if (ranges.length > 0) {
      const fit = rangeFit(ts, ranges);
      s = score * (1 - p.delta + p.delta * fit) + p.eps * fit * (1 - coverage);
    }
    if (recency && now > oldest) s += (p.rho * (ts - oldest)) / (now - oldest);
    return s;
  };
}
