// Hybrid search against a loopback fake of an OpenAI-compatible /v1/embeddings endpoint whose vectors
// are deterministic "concept" counts, so related words with no letters in common land close together.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { test } from "node:test";
import {
  configuredEmbedder,
  loadVectorExtension,
  nearestChunks,
  openAiEmbedder,
} from "../../src/memory/embeddings.js";
import { IndexDb } from "../../src/memory/index-db.js";
import { freshMemory } from "./helpers.js";

const CONCEPTS: Record<string, number> = {
  pet: 0,
  dog: 0,
  puppy: 0,
  retriever: 0,
  cat: 0,
  car: 1,
  vehicle: 1,
  sedan: 1,
  tire: 1,
  money: 2,
  budget: 2,
  salary: 2,
};
const DIM = 8;

/** A concept-count vector; words outside the table hash into the spare dimensions. */
function vector(text: string): number[] {
  const v = new Array(DIM).fill(0);
  for (const w of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    const c = CONCEPTS[w];
    v[c ?? 3 + (w.length % (DIM - 3))] += c !== undefined ? 3 : 0.2;
  }
  return v;
}

async function fakeEndpoint(): Promise<{
  url: string;
  requests: { model: string; input: string[] }[];
  server: Server;
}> {
  const requests: { model: string; input: string[] }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      if (req.url !== "/v1/embeddings" || req.headers.authorization !== "Bearer k") {
        res.writeHead(404).end("no");
        return;
      }
      const r = JSON.parse(body) as { model: string; input: string[] };
      requests.push(r);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ data: r.input.map((t, index) => ({ index, embedding: vector(t) })).reverse() }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // Never keep the test process alive, whatever the test's outcome.
  server.unref();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests, server };
}

test("with an embedding endpoint, a related memory with no shared words is found, and lexical hits stay", async (t) => {
  const fake = await fakeEndpoint();
  t.after(() => fake.server.close());
  const embedder = openAiEmbedder({ baseUrl: fake.url, model: "fake-embed", apiKey: "k" });
  const { workspace, memory } = freshMemory({ embedder });
  writeFileSync(
    path.join(workspace, "MEMORY.md"),
    "- I adopted a golden retriever puppy named Max.\n- The sedan needs new tires in October.\n- Home insurance renews in May.\n",
  );
  const lexicalOnly = freshMemory();
  writeFileSync(
    path.join(lexicalOnly.workspace, "MEMORY.md"),
    "- I adopted a golden retriever puppy named Max.\n",
  );
  assert.equal(
    (await lexicalOnly.memory.search("which dog do I have")).length,
    0,
    "no shared words: lexical search finds nothing",
  );

  const hits = await memory.search("which dog do I have", { limit: 3 });
  assert.match(hits[0].text, /golden retriever puppy/);
  const car = await memory.search("vehicle maintenance", { limit: 1 });
  assert.match(car[0].text, /sedan/);
  const both = await memory.search("dog insurance", { limit: 2 });
  const texts = both.map((h) => h.text).join("\n");
  assert.match(texts, /Home insurance/, "the lexical hit");
  assert.match(texts, /retriever puppy/, "the vector hit");
  // Vectors are computed once per distinct text: a second search embeds only the query.
  const before = fake.requests.length;
  await memory.search("dog");
  assert.equal(fake.requests.length, before + 1);
  assert.deepEqual(fake.requests.at(-1)?.input, ["dog"]);
  memory.close();
  lexicalOnly.memory.close();
  fake.server.close();
});

test("the embeddings weight sets how much the vector ranking counts: 0 leaves the lexical order", async (t) => {
  const fake = await fakeEndpoint();
  t.after(() => fake.server.close());
  const order = async (weight: number) => {
    const embedder = configuredEmbedder(
      { baseUrl: fake.url, model: "fake-embed", apiKeyEnv: "FAKE_EMBED_KEY", weight },
      { FAKE_EMBED_KEY: "k" },
    );
    const { workspace, memory } = freshMemory({ embedder });
    // Two files: "insurance" matches one by its words; "dog" matches the other only by meaning.
    writeFileSync(path.join(workspace, "MEMORY.md"), "- Home insurance renews in May.\n");
    mkdirSync(path.join(workspace, "memory"), { recursive: true });
    writeFileSync(
      path.join(workspace, "memory", "2024-05-01.md"),
      "- I adopted a golden retriever puppy named Max.\n",
    );
    const hits = await memory.search("dog insurance", { limit: 2 });
    memory.close();
    return hits.map((h) => ({ kind: /insurance/.test(h.text) ? "lexical" : "vector", score: h.score }));
  };
  const kinds = (hs: { kind: string }[]) => hs.map((h) => h.kind);
  assert.deepEqual(kinds(await order(0)), ["lexical"], "weight 0: the vector ranking adds nothing");
  const one = await order(1);
  assert.deepEqual(kinds(one), ["lexical", "vector"]);
  // The vector-only hit's fused score scales with the weight (reciprocal rank × weight).
  const three = await order(3);
  assert.ok(Math.abs(three[1].score - 3 * one[1].score) <= 0.002, JSON.stringify({ one, three }));
});

test("sqlite-vec and the JS fallback find the same neighbours", async (t) => {
  const db = new IndexDb(":memory:");
  db.putSource({
    key: "f",
    kind: "file",
    label: "f",
    fingerprint: "x",
    chunks: ["dog puppy", "car tire", "salary budget", "puppy"].map((text, i) => ({
      ref: `L${i}`,
      role: "note" as const,
      text,
    })),
  });
  const fake = await fakeEndpoint();
  t.after(() => fake.server.close());
  const embedder = openAiEmbedder({ baseUrl: fake.url, model: "m", apiKey: "k" });
  const { embedMissing } = await import("../../src/memory/embeddings.js");
  assert.equal(await embedMissing(db, embedder), 4);
  assert.equal(await embedMissing(db, embedder), 0);
  const [q] = await embedder.embed(["my dog"]);
  const js = nearestChunks(db, "m", q, 2, false);
  assert.equal(await loadVectorExtension(db), true, "sqlite-vec loads on this platform");
  const ext = nearestChunks(db, "m", q, 2, true);
  assert.deepEqual(
    ext.map((n) => n.id),
    js.map((n) => n.id),
  );
  for (let i = 0; i < js.length; i++) assert.ok(Math.abs(js[i].similarity - ext[i].similarity) < 1e-5);
  db.close();
  fake.server.close();
});

test("an endpoint that is down degrades to lexical search with a warning", async () => {
  const warnings: string[] = [];
  const embedder = openAiEmbedder({ baseUrl: "http://127.0.0.1:9/v1", model: "m", timeoutMs: 2000 });
  const { workspace, memory } = freshMemory({ embedder, onWarning: (w) => warnings.push(w) });
  writeFileSync(path.join(workspace, "MEMORY.md"), "- The wifi password is on the fridge.\n");
  const hits = await memory.search("wifi password");
  assert.match(hits[0].text, /fridge/);
  assert.match(warnings[0], /embeddings unavailable/);
  memory.close();
});
