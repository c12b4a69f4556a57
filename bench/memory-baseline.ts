// The plain baseline the memory benchmark prints beside Ratchet's retriever: SQLite FTS5 with the
// Porter tokenizer and its built-in BM25, queried with an OR of every token of the question
// (each quoted), over one table of session documents and one of turn documents.
import Database from "better-sqlite3";

/** One document of the baseline index. */
export interface BaselineDoc {
  id: string;
  text: string;
}

/** An in-memory FTS5 table of `docs`; `search` returns ids best first. */
export function baselineIndex(docs: readonly BaselineDoc[]): {
  search(query: string, limit: number): string[];
  close(): void;
} {
  const db = new Database(":memory:");
  db.exec("CREATE VIRTUAL TABLE d USING fts5(id UNINDEXED, text, tokenize='porter unicode61')");
  const insert = db.prepare("INSERT INTO d (id, text) VALUES (?, ?)");
  db.transaction(() => {
    for (const d of docs) insert.run(d.id, d.text);
  })();
  const stmt = db.prepare("SELECT id FROM d WHERE d MATCH ? ORDER BY rank LIMIT ?").pluck();
  return {
    search(query, limit) {
      const tokens = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
      if (tokens.length === 0) return [];
      return stmt.all(tokens.map((t) => `"${t}"`).join(" OR "), limit) as string[];
    },
    close: () => db.close(),
  };
}
