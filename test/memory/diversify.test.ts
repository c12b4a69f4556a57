// Result diversification across conversations (retriever.ts, diversify): a question whose answer
// spans several conversations must see a chunk of each near the top, not only the chunks of the
// conversation that repeats the question's words most.
import assert from "node:assert/strict";
import { test } from "node:test";
import { IndexDb } from "../../src/memory/index-db.js";
import { diversify, rank } from "../../src/memory/retriever.js";
import { userSession } from "./helpers.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2024, 5, 30);

const session = (label: string, daysAgo: number, texts: string[]) =>
  userSession(label, NOW - daysAgo * DAY, texts);

/** A memory where one conversation is all about the gym and another mentions a pottery class in passing. */
function memory(): IndexDb {
  const db = new IndexDb(":memory:");
  db.putSource(
    session("gym", 20, [
      "I want to improve my fitness this summer, I go to a spin class at the gym every week.",
      "How many times a week should I do fitness training to see results?",
      "I attend the gym before work, is morning fitness training better than evening?",
      "My fitness tracker says I burn 500 calories in each spin class, is that right?",
      "What should I attend to first, cardio fitness or strength, in a typical week?",
      "Can you suggest a fitness playlist for my week of training?",
    ]),
  );
  db.putSource(
    session("kiln", 10, [
      "Can you help me plan meals for the week? I want something quick and healthy for lunch.",
      "Thanks! Also, I signed up for a pottery class on Saturdays at the art studio downtown, so Saturday lunch has to be portable and easy to carry along with my tools.",
      "I'll try the lentil soup first. The pottery class is the one thing I attend every week that is not about fitness.",
    ]),
  );
  db.putSource(
    session("car", 5, [
      "My car makes a squeaking noise when I brake.",
      "The mechanic said the pads are fine.",
    ]),
  );
  db.putSource(
    session("trip", 3, [
      "I'm planning a trip to Lisbon in October.",
      "Which neighbourhood should I stay in?",
    ]),
  );
  return db;
}

test("diversify keeps the order within a conversation and lifts another relevant conversation's first chunk", () => {
  const c = (id: number, sourceId: number, score: number) => ({ id, meta: { sourceId }, score });
  const ranked = [c(1, 1, 1), c(2, 1, 0.95), c(3, 1, 0.9), c(4, 1, 0.85), c(5, 2, 0.8), c(6, 3, 0.79)];
  const ids = (xs: { id: number }[]) => xs.map((x) => x.id);
  assert.deepEqual(ids(diversify(ranked, new Set([1, 2]), { gamma: 1, divFree: 1 })), [1, 2, 3, 4, 5, 6]);
  const out = ids(diversify(ranked, new Set([1, 2]), { gamma: 0.8, divFree: 1 }));
  // Source 2 (relevant) moves up past source 1's third and fourth chunks; source 3 (not relevant) does not.
  // Source 3 (not relevant) is demoted as a second chunk would be.
  assert.deepEqual(out, [1, 2, 5, 3, 6, 4]);
});

test("the second conversation's evidence reaches the top of the chunk list", () => {
  const db = memory();
  const q = "How many fitness classes do I attend in a typical week?";
  const refs = (p: Record<string, number>) => rank(db, q, { now: NOW, p }).chunks.map((c) => c.chunk.ref);
  const firstKiln = (xs: string[]) => xs.findIndex((r) => r.startsWith("kiln"));
  const plain = refs({ gamma: 1 });
  const spread = refs({});
  assert.ok(
    firstKiln(plain) >= 3,
    `without diversification the pottery conversation starts at ${firstKiln(plain)}: ${plain.join(" ")}`,
  );
  assert.ok(
    firstKiln(spread) < 3,
    `with diversification it starts at ${firstKiln(spread)}: ${spread.join(" ")}`,
  );
  assert.equal(spread[0], "gym_1");
  db.close();
});
