// The derived memory index in SQLite: sources (files, conversations), their chunks, two contentless
// FTS5 tables over pre-tokenized terms (one row per chunk, one per source) and optional embedding
// vectors. Nothing here is a source of truth: a missing, old or corrupt index is deleted and rebuilt
// from the files and transcripts (see memory.ts). Safe across processes: WAL, busy timeout, and
// every change of a source is one IMMEDIATE transaction.
import { createHash } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { entityTerms } from "./annotations.js";
import { Postings, ROW_LENGTHS_SCHEMA } from "./postings.js";
import { firstPersonCount } from "./signals.js";
import { lookupTermDf, TERM_DF_SCHEMA, updateTermDf } from "./term-df.js";
import { terms as tokenize } from "./tokenize.js";
import type { ChunkInput, ChunkRole, SourceInput } from "./types.js";

/** Address space mapped for reads (pages are shared with the OS cache, not copied). */
const MMAP_BYTES = 1 << 30;

/** Bump when the schema or the tokenizer changes; an index of another version is rebuilt. */
export const INDEX_VERSION = 6;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, label TEXT NOT NULL,
  ts INTEGER, fingerprint TEXT NOT NULL, length INTEGER NOT NULL, self INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, ord INTEGER NOT NULL, ref TEXT NOT NULL,
  role TEXT NOT NULL, ts INTEGER, line_start INTEGER, line_end INTEGER, length INTEGER NOT NULL,
  text TEXT NOT NULL, terms TEXT NOT NULL, hash TEXT NOT NULL, self INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source_id, ord);
CREATE INDEX IF NOT EXISTS chunks_ts ON chunks(ts);
CREATE INDEX IF NOT EXISTS sources_ts ON sources(ts);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_fts USING fts5(terms, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS source_fts USING fts5(terms, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_inst USING fts5vocab(chunk_fts, instance);
CREATE VIRTUAL TABLE IF NOT EXISTS source_inst USING fts5vocab(source_fts, instance);
${ROW_LENGTHS_SCHEMA}
${TERM_DF_SCHEMA}
CREATE INDEX IF NOT EXISTS chunks_hash ON chunks(hash);
CREATE TABLE IF NOT EXISTS totals (level TEXT PRIMARY KEY, count INTEGER NOT NULL, length INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO totals VALUES ('chunk', 0, 0), ('source', 0, 0);
CREATE TABLE IF NOT EXISTS vectors (hash TEXT NOT NULL, model TEXT NOT NULL, v BLOB NOT NULL, PRIMARY KEY (hash, model)) WITHOUT ROWID;
`;

/** What ranking needs of a chunk. */
export interface ChunkMeta {
  id: number;
  sourceId: number;
  ord: number;
  ts: number | null;
  length: number;
  self: number;
}

/** A stored chunk with its source. */
export interface ChunkRow {
  id: number;
  sourceId: number;
  ord: number;
  ref: string;
  role: ChunkRole;
  ts: number | null;
  lines?: [number, number];
  length: number;
  /** First-person words in the chunk (see signals.ts). */
  self: number;
  text: string;
  terms: string;
  sourceKey: string;
  sourceLabel: string;
  sourceKind: "file" | "session";
}

/** Corpus statistics for BM25 at one level (chunks or sources). */
export interface LevelStats {
  count: number;
  avgLength: number;
}

interface RawChunk {
  id: number;
  source_id: number;
  ord: number;
  ref: string;
  role: ChunkRole;
  ts: number | null;
  line_start: number | null;
  line_end: number | null;
  length: number;
  self: number;
  text: string;
  terms: string;
  key: string;
  label: string;
  kind: "file" | "session";
}

/** Thrown when the file is not a usable index (corrupt, foreign, or of another version). */
export class IndexUnusableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IndexUnusableError";
  }
}

/** True for SQLite errors that mean the file itself is damaged or not a database. */
export function isCorruption(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code ?? "";
  return (
    err instanceof IndexUnusableError ||
    code === "SQLITE_CORRUPT" ||
    code === "SQLITE_NOTADB" ||
    code.startsWith("SQLITE_CORRUPT_") ||
    code.startsWith("SQLITE_IOERR")
  );
}

/** Deletes an index file and its WAL companions. */
export function removeIndexFile(file: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(file + suffix, { force: true });
}

/** Errors of a first open that only mean another process was setting the same file up. */
const SETUP_RACES = new Set(["SQLITE_BUSY", "SQLITE_IOERR_DELETE_NOENT"]);

/** The memory index. One per process and file; other processes may hold the same file. */
export class IndexDb {
  readonly db: Database.Database;
  private stats?: { version: number; chunks: LevelStats; sources: LevelStats };
  private postings: Postings;

  /** Opens (creating if needed) and checks the index; throws IndexUnusableError when it cannot be used. */
  constructor(readonly file: string) {
    if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    for (let attempt = 1; ; attempt++) {
      try {
        this.db = new Database(file);
      } catch (err) {
        throw new IndexUnusableError(`cannot open ${file}`, { cause: err });
      }
      try {
        this.setUp();
        break;
      } catch (err) {
        this.db.close();
        // Processes creating the file at once race while switching it to WAL: SQLite answers the
        // loser SQLITE_BUSY at once (no busy wait) or finds the rollback journal already deleted.
        // The file is fine; open it again.
        if (SETUP_RACES.has((err as { code?: string }).code ?? "") && attempt < 10) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 * attempt);
          continue;
        }
        if (err instanceof IndexUnusableError) throw err;
        throw new IndexUnusableError(`${file} is not a usable memory index`, { cause: err });
      }
    }
    this.postings = new Postings(this.db);
  }

  /** Pragmas, version check and schema; throws when the file cannot serve as this index. */
  private setUp(): void {
    const disk = this.file !== ":memory:";
    this.db.pragma("busy_timeout = 10000");
    if (disk) this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    // Ranking reads posting lists and row metadata at random: mapped pages skip a read() call each.
    if (disk) this.db.pragma(`mmap_size = ${MMAP_BYTES}`);
    // One write transaction: a process opening the file meanwhile sees no schema or all of it with
    // its version, never tables without the version (which would read as another version's index).
    this.db
      .transaction(() => {
        const version = this.db.pragma("user_version", { simple: true }) as number;
        const empty = this.db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number };
        if (version !== INDEX_VERSION && empty.n > 0)
          throw new IndexUnusableError(`index version ${version}, expected ${INDEX_VERSION}`);
        this.db.exec(SCHEMA);
        this.db.pragma(`user_version = ${INDEX_VERSION}`);
      })
      .immediate();
    // Touch every table once so a damaged file fails here, not in the middle of a search.
    this.db.prepare("SELECT count(*) FROM sources").get();
    this.db.prepare("SELECT rowid FROM chunk_fts WHERE chunk_fts MATCH '\"x\"' LIMIT 1").all();
  }

  /** Every source's key and fingerprint (for incremental sync). */
  fingerprints(): Map<string, string> {
    const rows = this.db.prepare("SELECT key, fingerprint FROM sources").all() as {
      key: string;
      fingerprint: string;
    }[];
    return new Map(rows.map((r) => [r.key, r.fingerprint]));
  }

  /** Replaces a source and all its chunks in one transaction. */
  putSource(src: SourceInput): void {
    this.db
      .transaction(() => {
        this.deleteSource(src.key);
        // Class terms (annotations.ts) are indexed but not counted in a length: they are notes about
        // the text, and must not make a turn that states an amount "longer" than its words.
        const all: string[] = [];
        const lengths: number[] = [];
        const chunkTerms = src.chunks.map((c) => {
          const t = tokenize(c.context ? `${c.context}\n${c.text}` : c.text);
          lengths.push(t.length);
          t.push(...entityTerms(c.text));
          for (const x of t) all.push(x);
          return t;
        });
        const sourceLength = lengths.reduce((n, l) => n + l, 0);
        const selfCounts = chunkTerms.map(firstPersonCount);
        const self = selfCounts.reduce((x, y) => x + y, 0);
        const { lastInsertRowid } = this.db
          .prepare(
            "INSERT INTO sources (key, kind, label, ts, fingerprint, length, self) VALUES (?, ?, ?, ?, ?, ?, ?)",
          )
          .run(src.key, src.kind, src.label, src.ts ?? null, src.fingerprint, sourceLength, self);
        const sourceId = Number(lastInsertRowid);
        this.db.prepare("INSERT INTO source_fts (rowid, terms) VALUES (?, ?)").run(sourceId, all.join(" "));
        const insert = this.db.prepare(
          "INSERT INTO chunks (source_id, ord, ref, role, ts, line_start, line_end, length, text, terms, hash, self) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
        const insertFts = this.db.prepare("INSERT INTO chunk_fts (rowid, terms) VALUES (?, ?)");
        const rowLengths: [number, number][] = [];
        src.chunks.forEach((c: ChunkInput, ord) => {
          const t = chunkTerms[ord].join(" ");
          const r = insert.run(
            sourceId,
            ord,
            c.ref,
            c.role,
            c.ts ?? null,
            c.lines?.[0] ?? null,
            c.lines?.[1] ?? null,
            lengths[ord],
            c.text,
            t,
            textHash(c.text),
            selfCounts[ord],
          );
          insertFts.run(r.lastInsertRowid, t);
          rowLengths.push([Number(r.lastInsertRowid), lengths[ord]]);
        });
        this.postings.record("chunk", rowLengths);
        this.postings.record("source", [[sourceId, sourceLength]]);
        updateTermDf(this.db, chunkTerms, 1);
        this.addTotals(1, sourceLength, src.chunks.length, sourceLength);
      })
      .immediate();
  }

  /** Records a new fingerprint for a source whose content did not change. */
  setFingerprint(key: string, fingerprint: string): void {
    this.db.prepare("UPDATE sources SET fingerprint = ? WHERE key = ?").run(fingerprint, key);
  }

  /** Removes a source and its chunks (vectors stay, keyed by text hash, for when the text comes back). */
  deleteSource(key: string): void {
    this.db
      .transaction(() => {
        const row = this.db.prepare("SELECT id FROM sources WHERE key = ?").get(key) as
          | { id: number }
          | undefined;
        if (!row) return;
        const ids = this.db
          .prepare("SELECT id FROM chunks WHERE source_id = ?")
          .pluck()
          .all(row.id) as number[];
        const delFts = this.db.prepare("DELETE FROM chunk_fts WHERE rowid = ?");
        for (const id of ids) delFts.run(id);
        const terms = this.db
          .prepare("SELECT terms FROM chunks WHERE source_id = ?")
          .pluck()
          .all(row.id) as string[];
        updateTermDf(
          this.db,
          terms.map((t) => t.split(" ").filter(Boolean)),
          -1,
        );
        const gone = this.db
          .prepare("SELECT count(*) AS n, total(length) AS l FROM chunks WHERE source_id = ?")
          .get(row.id) as Agg;
        const len = this.db.prepare("SELECT length FROM sources WHERE id = ?").pluck().get(row.id) as number;
        this.addTotals(-1, -len, -gone.n, -gone.l);
        this.db.prepare("DELETE FROM chunks WHERE source_id = ?").run(row.id);
        this.db.prepare("DELETE FROM source_fts WHERE rowid = ?").run(row.id);
        this.db.prepare("DELETE FROM sources WHERE id = ?").run(row.id);
      })
      .immediate();
  }

  private addTotals(sources: number, sourceLength: number, chunks: number, chunkLength: number): void {
    const up = this.db.prepare("UPDATE totals SET count = count + ?, length = length + ? WHERE level = ?");
    up.run(sources, sourceLength, "source");
    up.run(chunks, chunkLength, "chunk");
    this.stats = undefined;
  }

  /** Chunk and source counts and average lengths; cached until any process changes the file. */
  levelStats(): { chunks: LevelStats; sources: LevelStats } {
    const version = this.db.pragma("data_version", { simple: true }) as number;
    if (!this.stats || this.stats.version !== version || this.db.inTransaction) {
      // Kept in `totals` by putSource/deleteSource: counting 200k rows on every open would cost more.
      const c = this.db
        .prepare("SELECT count AS n, length AS l FROM totals WHERE level = 'chunk'")
        .get() as Agg;
      const s = this.db
        .prepare("SELECT count AS n, length AS l FROM totals WHERE level = 'source'")
        .get() as Agg;
      this.postings.invalidate();
      this.stats = {
        version,
        chunks: { count: c.n, avgLength: c.n ? c.l / c.n : 0 },
        sources: { count: s.n, avgLength: s.n ? s.l / s.n : 0 },
      };
    }
    return { chunks: this.stats.chunks, sources: this.stats.sources };
  }

  /** Number of chunks (level "chunk") or sources (level "source") containing each term. */
  docFreq(level: "chunk" | "source", terms: readonly string[]): Map<string, number> {
    return lookupTermDf(this.db, level, terms);
  }

  /**
   * The BM25 contribution of one term to every chunk (or source) that contains it, keyed by row id;
   * at most `cap` rows, the best for this term (postings.ts). The IDF is idf() of bm25.ts, which
   * stays positive where FTS5's is zero (a term in half the rows — every term of a two-note memory).
   * A query's score is the weighted sum of its terms'.
   */
  termScores(level: "chunk" | "source", term: string, cap: number): Map<number, number> {
    const stats = this.levelStats();
    return this.postings.scores(level, term, cap, level === "chunk" ? stats.chunks : stats.sources);
  }

  /** Chunk ids of sources, in source order; at most `perSource` from each. */
  chunkIdsOf(sourceIds: readonly number[], perSource: number): number[] {
    const stmt = this.db.prepare("SELECT id FROM chunks WHERE source_id = ? ORDER BY ord LIMIT ?").pluck();
    return sourceIds.flatMap((id) => stmt.all(id, perSource) as number[]);
  }

  /** Ids of sources dated within [from, to] (epoch ms), newest first, at most `limit`. */
  sourceIdsBetween(from: number, to: number, limit: number): number[] {
    return this.db
      .prepare("SELECT id FROM sources WHERE ts BETWEEN ? AND ? ORDER BY ts DESC LIMIT ?")
      .pluck()
      .all(from, to, limit) as number[];
  }

  /** How many sources are dated within [from, to]. */
  countSourcesBetween(from: number, to: number): number {
    return this.db
      .prepare("SELECT count(*) FROM sources WHERE ts BETWEEN ? AND ?")
      .pluck()
      .get(from, to) as number;
  }

  /** Date, length and first-person count of sources by id. */
  sourceInfo(ids: readonly number[]): Map<number, { ts: number | null; length: number; self: number }> {
    const out = new Map<number, { ts: number | null; length: number; self: number }>();
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(`SELECT id, ts, length, self FROM sources WHERE id IN (${part.map(() => "?").join(",")})`)
        .all(...part) as { id: number; ts: number | null; length: number; self: number }[];
      for (const r of rows) out.set(r.id, { ts: r.ts, length: r.length, self: r.self });
    }
    return out;
  }

  /** Chunks by id (any order; missing ids are skipped). */
  chunks(ids: readonly number[]): ChunkRow[] {
    if (ids.length === 0) return [];
    const out: ChunkRow[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(`${CHUNK_SELECT} WHERE c.id IN (${part.map(() => "?").join(",")})`)
        .all(...part) as RawChunk[];
      for (const r of rows) out.push(toRow(r));
    }
    return out;
  }

  /** The light columns of chunks by id (no text, no terms): what ranking needs for every candidate. */
  chunkMeta(ids: readonly number[]): ChunkMeta[] {
    const out: ChunkMeta[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(
          `SELECT id, source_id, ord, ts, length, self FROM chunks WHERE id IN (${part.map(() => "?").join(",")})`,
        )
        .raw()
        .all(...part) as [number, number, number, number | null, number, number][];
      for (const [id, sourceId, ord, ts, length, self] of rows)
        out.push({ id, sourceId, ord, ts, length, self });
    }
    return out;
  }

  /** The stored terms of chunks by id. */
  chunkTerms(ids: readonly number[]): Map<number, string> {
    const out = new Map<number, string>();
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(`SELECT id, terms FROM chunks WHERE id IN (${part.map(() => "?").join(",")})`)
        .raw()
        .all(...part) as [number, string][];
      for (const [id, t] of rows) out.set(id, t);
    }
    return out;
  }

  /** Chunks of one source with ord in [from, to], in order. */
  sourceChunks(sourceId: number, from = 0, to = Number.MAX_SAFE_INTEGER): ChunkRow[] {
    const rows = this.db
      .prepare(`${CHUNK_SELECT} WHERE c.source_id = ? AND c.ord BETWEEN ? AND ? ORDER BY c.ord`)
      .all(sourceId, from, to) as RawChunk[];
    return rows.map(toRow);
  }

  /** A source's id, key, label, kind and date. */
  source(
    id: number,
  ): { id: number; key: string; label: string; kind: string; ts: number | null } | undefined {
    return this.db.prepare("SELECT id, key, label, kind, ts FROM sources WHERE id = ?").get(id) as
      | { id: number; key: string; label: string; kind: string; ts: number | null }
      | undefined;
  }

  /** A source looked up by what a person reads (a path or a session id). */
  sourceByLabel(label: string): { id: number; key: string; kind: string } | undefined {
    return this.db
      .prepare("SELECT id, key, kind FROM sources WHERE label = ? ORDER BY id LIMIT 1")
      .get(label) as { id: number; key: string; kind: string } | undefined;
  }

  /** Terms of whole sources by id (for source-level scoring). */
  sourceTerms(ids: readonly number[]): Map<number, string[]> {
    const out = new Map<number, string[]>();
    const stmt = this.db.prepare("SELECT terms FROM chunks WHERE source_id = ? ORDER BY ord").pluck();
    for (const id of ids) out.set(id, (stmt.all(id) as string[]).join(" ").split(" "));
    return out;
  }

  /** Counts and sizes for `ratchet memory stats`. */
  summary(): { sources: number; files: number; sessions: number; chunks: number; vectors: number } {
    const n = (sql: string) => (this.db.prepare(sql).pluck().get() as number) ?? 0;
    return {
      sources: n("SELECT count(*) FROM sources"),
      files: n("SELECT count(*) FROM sources WHERE kind = 'file'"),
      sessions: n("SELECT count(*) FROM sources WHERE kind = 'session'"),
      chunks: n("SELECT count(*) FROM chunks"),
      vectors: n("SELECT count(DISTINCT hash) FROM vectors"),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Key of a chunk's text in the vector table: equal texts share one embedding. */
export function textHash(text: string): string {
  return createHash("sha1").update(text).digest("hex").slice(0, 20);
}

interface Agg {
  n: number;
  l: number;
}

const CHUNK_SELECT = `SELECT c.id, c.source_id, c.ord, c.ref, c.role, c.ts, c.line_start, c.line_end, c.length,
  c.self, c.text, c.terms, s.key, s.label, s.kind FROM chunks c JOIN sources s ON s.id = c.source_id`;

function toRow(r: RawChunk): ChunkRow {
  return {
    id: r.id,
    sourceId: r.source_id,
    ord: r.ord,
    ref: r.ref,
    role: r.role,
    ts: r.ts,
    ...(r.line_start !== null && r.line_end !== null ? { lines: [r.line_start, r.line_end] } : {}),
    length: r.length,
    self: r.self,
    text: r.text,
    terms: r.terms,
    sourceKey: r.key,
    sourceLabel: r.label,
    sourceKind: r.kind,
  };
}
