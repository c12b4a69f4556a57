// Optional dense vectors from an OpenAI-compatible /v1/embeddings endpoint. Vectors are derived data
// kept in the index, keyed by (text hash, model) so re-indexing a grown conversation re-embeds only
// its new turns. Nearest neighbours are exact (brute force): with sqlite-vec loaded the distances are
// computed in SQLite's C extension; without it (unsupported platform) in JS. Both read the same
// BLOBs (little-endian float32, unit length), so the extension is only an accelerator.
import type { IndexDb } from "./index-db.js";

/** Where embeddings come from. */
export interface EmbeddingConfig {
  /** e.g. "http://127.0.0.1:8080/v1"; "/embeddings" is appended. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Texts per request. Default 64. */
  batchSize?: number;
  /** Per request. Default 30 s. */
  timeoutMs?: number;
}

/** Turns texts into vectors. */
export interface Embedder {
  model: string;
  /** How much its ranking counts when fused with the lexical one (which counts 1). Default 1. */
  weight?: number;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** The `memory.embeddings` settings of the config file. */
export interface EmbeddingSettings {
  baseUrl: string;
  model: string;
  apiKey?: string;
  apiKeyEnv?: string;
  weight?: number;
}

/** The embedder the settings describe (the key from `apiKey`, else the `apiKeyEnv` variable). */
export function configuredEmbedder(e: EmbeddingSettings, env: NodeJS.ProcessEnv): Embedder {
  const apiKey = e.apiKey ?? (e.apiKeyEnv ? env[e.apiKeyEnv] : undefined);
  const embedder = openAiEmbedder({ baseUrl: e.baseUrl, model: e.model, ...(apiKey ? { apiKey } : {}) });
  return e.weight === undefined ? embedder : { ...embedder, weight: e.weight };
}

/** An embedder speaking the OpenAI embeddings API. Throws on HTTP or shape errors. */
export function openAiEmbedder(cfg: EmbeddingConfig): Embedder {
  const url = `${cfg.baseUrl.replace(/\/+$/, "")}/embeddings`;
  return {
    model: cfg.model,
    async embed(texts, signal) {
      const out: Float32Array[] = [];
      const size = cfg.batchSize ?? 64;
      for (let i = 0; i < texts.length; i += size) {
        const batch = texts.slice(i, i + size).map((t) => t.slice(0, 8000) || " ");
        const timeout = AbortSignal.timeout(cfg.timeoutMs ?? 30_000);
        const res = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(cfg.apiKey ? { authorization: `Bearer ${cfg.apiKey}` } : {}),
          },
          body: JSON.stringify({ model: cfg.model, input: batch }),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        if (!res.ok)
          throw new Error(
            `embeddings endpoint answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`,
          );
        const body = (await res.json()) as { data?: { index?: number; embedding?: number[] }[] };
        const data = [...(body.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
        if (data.length !== batch.length || data.some((d) => !Array.isArray(d.embedding)))
          throw new Error(`embeddings endpoint returned ${data.length} vectors for ${batch.length} texts`);
        for (const d of data) out.push(unit(Float32Array.from(d.embedding ?? [])));
      }
      return out;
    },
  };
}

/** Scales `v` to unit length in place (cosine similarity becomes a dot product). */
function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

const toBlob = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
const fromBlob = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** Embeds every chunk text that has no vector for this model yet; returns how many were added. */
export async function embedMissing(db: IndexDb, embedder: Embedder, signal?: AbortSignal): Promise<number> {
  const rows = db.db
    .prepare(
      "SELECT DISTINCT c.hash, c.text FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.hash = c.hash AND v.model = ?)",
    )
    .all(embedder.model) as { hash: string; text: string }[];
  const insert = db.db.prepare("INSERT OR REPLACE INTO vectors (hash, model, v) VALUES (?, ?, ?)");
  for (let i = 0; i < rows.length; i += 256) {
    const part = rows.slice(i, i + 256);
    const vecs = await embedder.embed(
      part.map((r) => r.text),
      signal,
    );
    db.db.transaction(() => {
      for (const [j, r] of part.entries()) insert.run(r.hash, embedder.model, toBlob(vecs[j]));
    })();
  }
  return rows.length;
}

let vecLoaded: WeakMap<object, boolean> | undefined;

/** Loads sqlite-vec into the connection once; false when it is unavailable on this platform. */
export async function loadVectorExtension(db: IndexDb): Promise<boolean> {
  vecLoaded ??= new WeakMap();
  const known = vecLoaded.get(db.db);
  if (known !== undefined) return known;
  let ok = false;
  try {
    const vec = await import("sqlite-vec");
    vec.load(db.db);
    ok = true;
  } catch {
    ok = false;
  }
  vecLoaded.set(db.db, ok);
  return ok;
}

/** The `k` chunks whose text is most similar to `query` (cosine), best first. */
export function nearestChunks(
  db: IndexDb,
  model: string,
  query: Float32Array,
  k: number,
  useExtension: boolean,
): { id: number; similarity: number }[] {
  let hashes: { hash: string; similarity: number }[];
  if (useExtension) {
    hashes = (
      db.db
        .prepare(
          "SELECT hash, vec_distance_cosine(v, ?) AS d FROM vectors WHERE model = ? ORDER BY d LIMIT ?",
        )
        .all(toBlob(query), model, k) as { hash: string; d: number }[]
    ).map((r) => ({ hash: r.hash, similarity: 1 - r.d }));
  } else {
    const best: { hash: string; similarity: number }[] = [];
    const rows = db.db.prepare("SELECT hash, v FROM vectors WHERE model = ?").raw().iterate(model);
    for (const [hash, blob] of rows as Iterable<[string, Buffer]>) {
      const v = fromBlob(blob);
      if (v.length !== query.length) continue;
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i] * query[i];
      if (best.length < k || dot > best[best.length - 1].similarity) {
        best.push({ hash, similarity: dot });
        best.sort((a, b) => b.similarity - a.similarity);
        if (best.length > k) best.pop();
      }
    }
    hashes = best;
  }
  const byHash = db.db.prepare("SELECT id FROM chunks WHERE hash = ?").pluck();
  return hashes.flatMap((h) =>
    (byHash.all(h.hash) as number[]).map((id) => ({ id, similarity: h.similarity })),
  );
}
