// Document frequencies kept with the index. FTS5 can count the rows a term is in (fts5vocab), but
// only by walking the term's whole posting list: a few milliseconds for a common term on a
// 200k-turn memory, and ranking asks for the frequencies of every query and feedback term. Kept
// here per term, updated in the transaction that adds or removes a source, they cost one lookup.
import type Database from "better-sqlite3";

/** The table (part of the index schema). */
export const TERM_DF_SCHEMA =
  "CREATE TABLE IF NOT EXISTS term_df (term TEXT PRIMARY KEY, chunks INTEGER NOT NULL, sources INTEGER NOT NULL) WITHOUT ROWID;";

/**
 * Adds (sign 1) or removes (sign -1) one source's terms: each term counts once for the source and
 * once per chunk it appears in. Call inside the transaction that writes the source.
 */
export function updateTermDf(
  db: Database.Database,
  chunkTerms: readonly (readonly string[])[],
  sign: 1 | -1,
): void {
  const perChunk = new Map<string, number>();
  for (const terms of chunkTerms) for (const t of new Set(terms)) perChunk.set(t, (perChunk.get(t) ?? 0) + 1);
  const up = db.prepare(
    "INSERT INTO term_df (term, chunks, sources) VALUES (?, ?, ?) ON CONFLICT(term) DO UPDATE SET chunks = chunks + excluded.chunks, sources = sources + excluded.sources",
  );
  for (const [t, n] of perChunk) up.run(t, sign * n, sign);
  if (sign < 0) db.prepare("DELETE FROM term_df WHERE sources <= 0").run();
}

/** Rows of `level` containing each term (0 for unknown terms). */
export function lookupTermDf(
  db: Database.Database,
  level: "chunk" | "source",
  terms: readonly string[],
): Map<string, number> {
  const stmt = db
    .prepare(`SELECT ${level === "chunk" ? "chunks" : "sources"} FROM term_df WHERE term = ?`)
    .pluck();
  return new Map(terms.map((t) => [t, (stmt.get(t) as number | undefined) ?? 0]));
}
