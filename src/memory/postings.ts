// Per-term BM25 straight from FTS5's posting lists. FTS5's own `ORDER BY rank` calls bm25() for
// every matching row, and on a contentless table each call looks up that row's size in %_docsize:
// a B-tree lookup per posting, 2–15 µs each on a 200k-turn memory. Reading the term's instances
// through an fts5vocab "instance" table is a sequential scan of the posting list (term frequency =
// instances per row), and row lengths come from an in-memory array loaded once per index version
// from `row_lengths`, where they are packed LENGTHS_PER_BLOCK to a blob (a few hundred small reads
// for 200k rows, where reading 200k rows one by one costs 150+ ms). Same formula, a fraction of
// the cost.
import type Database from "better-sqlite3";
import { DEFAULT_BM25, idf } from "./bm25.js";

/** The two indexed levels and their tables. */
const TABLES = {
  chunk: { instances: "chunk_inst", rows: "chunks" },
  source: { instances: "source_inst", rows: "sources" },
} as const;

/** Row ids per `row_lengths` blob. */
const LENGTHS_PER_BLOCK = 256;

/** The table behind the lengths (part of the index schema). */
export const ROW_LENGTHS_SCHEMA =
  "CREATE TABLE IF NOT EXISTS row_lengths (level TEXT NOT NULL, block INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (level, block)) WITHOUT ROWID;";

/** Row count and average length of a level, as the index keeps them. */
export interface LevelCounts {
  count: number;
  avgLength: number;
}

/** Reads posting lists and scores them. Call `invalidate()` when the index changed. */
export class Postings {
  private lengths = new Map<"chunk" | "source", Uint32Array>();
  private stmts = new Map<"chunk" | "source", Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  /** Stores the lengths of new rows (call inside the transaction that inserts them). */
  record(level: "chunk" | "source", rows: readonly (readonly [id: number, length: number])[]): void {
    const byBlock = new Map<number, (readonly [number, number])[]>();
    for (const r of rows) {
      const block = Math.floor(r[0] / LENGTHS_PER_BLOCK);
      byBlock.set(block, [...(byBlock.get(block) ?? []), r]);
    }
    const get = this.db.prepare("SELECT data FROM row_lengths WHERE level = ? AND block = ?").pluck();
    const put = this.db.prepare("INSERT OR REPLACE INTO row_lengths (level, block, data) VALUES (?, ?, ?)");
    for (const [block, entries] of byBlock) {
      const old = get.get(level, block) as Buffer | undefined;
      const data = Buffer.alloc(LENGTHS_PER_BLOCK * 4);
      old?.copy(data);
      for (const [id, len] of entries) data.writeUInt32LE(len, (id % LENGTHS_PER_BLOCK) * 4);
      put.run(level, block, data);
    }
  }

  /** Forgets cached row lengths (the index changed). */
  invalidate(): void {
    this.lengths.clear();
  }

  /**
   * Each row containing `term` with the term's BM25 contribution (IDF from the rows it is in out of
   * `counts.count` rows), the best `cap` rows only.
   */
  scores(level: "chunk" | "source", term: string, cap: number, counts: LevelCounts): Map<number, number> {
    let stmt = this.stmts.get(level);
    if (!stmt) {
      stmt = this.db.prepare(`SELECT doc FROM ${TABLES[level].instances} WHERE term = ?`).raw().pluck();
      this.stmts.set(level, stmt);
    }
    const docs = stmt.all(term) as number[];
    if (docs.length === 0) return new Map();
    const tf = new Map<number, number>();
    for (const d of docs) tf.set(d, (tf.get(d) ?? 0) + 1);
    const lengths = this.lengthsOf(level);
    const { k1, b } = DEFAULT_BM25;
    const w = idf(tf.size, Math.max(counts.count, tf.size));
    const avg = counts.avgLength || 1;
    const out: [number, number][] = [];
    for (const [id, f] of tf) {
      const len = lengths[id] || avg; // a row written after the lengths were read
      const norm = k1 * (1 - b + (b * len) / avg);
      out.push([id, (w * f * (k1 + 1)) / (f + norm)]);
    }
    if (out.length > cap) {
      out.sort((x, y) => y[1] - x[1]);
      out.length = cap;
    }
    return new Map(out);
  }

  /** Row id → length in terms, for the whole level (0 for ids never recorded). */
  private lengthsOf(level: "chunk" | "source"): Uint32Array {
    const cached = this.lengths.get(level);
    if (cached) return cached;
    const blocks = this.db
      .prepare("SELECT block, data FROM row_lengths WHERE level = ? ORDER BY block")
      .raw()
      .all(level) as [number, Buffer][];
    const out = new Uint32Array(((blocks.at(-1)?.[0] ?? -1) + 1) * LENGTHS_PER_BLOCK);
    // Copied first: a Buffer may sit at an offset a Uint32Array view cannot start at.
    for (const [block, data] of blocks)
      out.set(new Uint32Array(new Uint8Array(data).buffer), block * LENGTHS_PER_BLOCK);
    this.lengths.set(level, out);
    return out;
  }
}
