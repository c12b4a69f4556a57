// Search as the agent and the CLI see it: the lexical ranking (retriever.ts), fused with nearest
// vectors by reciprocal rank when an embedder is configured (its ranking weighted by the embedder's
// `weight`), an optional hard time window, and hits shaped for reading (source, turn or lines,
// date, score, snippet).
import { type Embedder, loadVectorExtension, nearestChunks } from "./embeddings.js";
import type { ChunkRow, IndexDb } from "./index-db.js";
import { rank } from "./retriever.js";
import { words } from "./tokenize.js";
import type { MemoryHit } from "./types.js";

/** Longest query text considered; the rest of a pasted wall of text adds cost, not evidence. */
export const MAX_QUERY_CHARS = 2000;
/** RRF constant: how flat the fusion is over ranks (60 is the usual choice). */
const RRF_K = 60;
/** Lexical hits scoring below this share of the best one are not returned. */
const MIN_RELATIVE_SCORE = 0.15;
/** Longest snippet returned per hit. */
const SNIPPET_CHARS = 700;

/** Options of one search. */
export interface SearchOptions {
  limit?: number;
  /** Only chunks dated in [from, to] (epoch ms). */
  from?: number;
  to?: number;
  /** "Now" for relative dates in the query (default: the current time). */
  now?: number;
  embedder?: Embedder;
  signal?: AbortSignal;
}

/** Ranked hits for `query`; never throws for odd query text (an empty query finds nothing). */
export async function searchMemory(
  db: IndexDb,
  query: string,
  opts: SearchOptions = {},
): Promise<MemoryHit[]> {
  const limit = Math.max(1, Math.min(opts.limit ?? 8, 100));
  const text = query.slice(0, MAX_QUERY_CHARS);
  const window =
    opts.from !== undefined || opts.to !== undefined
      ? { from: opts.from ?? 0, to: opts.to ?? Number.MAX_SAFE_INTEGER }
      : undefined;
  const lexical = rank(db, text, {
    limit: Math.max(50, limit),
    ...(opts.now !== undefined ? { now: opts.now } : {}),
    ...(window ? { window } : {}),
  }).chunks;
  let ranked: { chunk: ChunkRow; score: number }[] = lexical;
  // A weight of 0 leaves the lexical ranking as it is.
  const embedder = (opts.embedder?.weight ?? 1) > 0 && text.trim() !== "" ? opts.embedder : undefined;
  if (embedder) {
    const [qv] = await embedder.embed([text], opts.signal);
    const ext = await loadVectorExtension(db);
    const near = nearestChunks(db, embedder.model, qv, Math.max(50, limit), ext);
    const rows = new Map(db.chunks(near.map((n) => n.id)).map((r) => [r.id, r]));
    const fused = new Map<number, { chunk: ChunkRow; score: number }>();
    const add = (chunk: ChunkRow | undefined, r: number, weight: number) => {
      if (!chunk || (window && !(chunk.ts !== null && chunk.ts >= window.from && chunk.ts <= window.to)))
        return;
      const e = fused.get(chunk.id) ?? { chunk, score: 0 };
      e.score += weight / (RRF_K + r + 1);
      fused.set(chunk.id, e);
    };
    const vectorWeight = embedder.weight ?? 1;
    for (const [i, c] of lexical.entries()) add(c.chunk, i, 1);
    for (const [i, n] of near.entries()) add(rows.get(n.id), i, vectorWeight);
    ranked = [...fused.values()].sort((a, b) => b.score - a.score);
  }
  if (!embedder && ranked.length > 0) {
    // Lexical scores are comparable within a query: drop the tail that only rode along on
    // conversation context or feedback terms, far below the best hit.
    const floor = ranked[0].score * MIN_RELATIVE_SCORE;
    ranked = ranked.filter((r) => r.score >= floor);
  }
  const qwords = new Set(words(text));
  return ranked.slice(0, limit).map(({ chunk, score }) => toHit(chunk, score, qwords));
}

/** A chunk as a hit; long texts are cut to a window around the first query word. */
export function toHit(c: ChunkRow, score: number, qwords: Set<string>): MemoryHit {
  return {
    source: c.sourceLabel,
    kind: c.sourceKind,
    ref: c.ref,
    ...(c.sourceKind === "session" ? { turn: c.ord + 1 } : {}),
    ...(c.lines ? { lines: c.lines } : {}),
    role: c.role,
    ...(c.ts !== null ? { date: new Date(c.ts).toISOString() } : {}),
    score: Math.round(score * 1000) / 1000,
    text: snippet(c.text, qwords),
  };
}

function snippet(text: string, qwords: Set<string>): string {
  if (text.length <= SNIPPET_CHARS) return text;
  const lower = text.toLowerCase();
  let at = -1;
  for (const w of qwords) {
    const i = w.length > 2 ? lower.indexOf(w) : -1;
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  const start = Math.max(0, Math.min(at < 0 ? 0 : at - 200, text.length - SNIPPET_CHARS));
  return `${start > 0 ? "…" : ""}${text.slice(start, start + SNIPPET_CHARS)}…`;
}
