// Predictive annotation (annotations.ts): amounts of money are indexed as a class term, questions
// about money ask for it, and the turn that states the amount outranks its topic-mates that do not.
import assert from "node:assert/strict";
import { test } from "node:test";
import { answerTypeTerms, entityTerms, isClassTerm, MONEY } from "../../src/memory/annotations.js";
import { IndexDb } from "../../src/memory/index-db.js";
import { rank } from "../../src/memory/retriever.js";
import { queryTerms, terms } from "../../src/memory/tokenize.js";
import { userSession } from "./helpers.js";

test("amounts of money are found in the forms people write them", () => {
  const count = (text: string) => entityTerms(text).length;
  assert.equal(count("The mechanic charged me $25 for the chain and $40 for lights."), 2);
  assert.equal(count("It was € 1,200 in total, or about £1000."), 2);
  assert.equal(count("I paid 40 bucks, my sister paid 35 dollars, 3k USD overall"), 3);
  assert.equal(count("US$3.50 each"), 1);
  assert.equal(count("Dinner was 45€, the taxi 12 €, the hotel EUR 300 and the museum USD 20."), 4);
  // Not money: weights, counts, times, a bare currency word.
  assert.equal(count("I lost 10 pounds, ran 5 km at 6:30 and own 3 bikes."), 0);
  assert.equal(count("Dollars and cents are a unit of account."), 0);
  assert.deepEqual(entityTerms("$5"), [MONEY]);
  assert.ok(isClassTerm(MONEY) && !isClassTerm("money"));
});

test("questions about money ask for the class; questions about time spent do not", () => {
  const money = [
    "How much money did I raise at the charity events?",
    "What is the total amount I spent on luxury items in the past few months?",
    "How much did I spend on my bike this year?",
    "What did the new food bowl cost?",
    "How much did I save on the designer handbag?",
    "How much did I earn at the farmers market?",
  ];
  const notMoney = [
    "How many days did I spend in Yosemite?",
    "How much time did I spend reading?",
    "How many weeks in total did I spend on reading 'The Nightingale'?",
    "What did I buy ten days ago?",
    "Where did I go hiking last month?",
  ];
  for (const q of money) assert.deepEqual(answerTypeTerms(q), [MONEY], q);
  for (const q of notMoney) assert.deepEqual(answerTypeTerms(q), [], q);
});

test("no text and no query can produce or inject a class term", () => {
  assert.ok(!terms(`a note about ${MONEY} and money`).some(isClassTerm));
  assert.ok(!queryTerms(`${MONEY} ${MONEY}money`).some(isClassTerm));
});

test("a question about money ranks the turn that states the amount first", () => {
  const ts = Date.UTC(2024, 2, 1);
  const session = (label: string, texts: string[]) => userSession(label, ts, texts);
  const db = new IndexDb(":memory:");
  db.putSource(
    session("care", ["My road bike and my old bike both need care before spring, what should I check?"]),
  );
  db.putSource(session("shop", ["The shop replaced my bike chain last week and charged me $45 for it."]));
  db.putSource(session("routes", ["Which bike routes near the river would you suggest for a Sunday?"]));
  db.putSource(session("garden", ["I bought new garden gloves for $12, they are great."]));
  // Everyday talk with no amounts in it, as most of a memory is.
  const filler = [
    ["What can I cook with leftover rice and two eggs?", "My oven runs hot, should I lower the temperature?"],
    ["I'm reading a novel about a lighthouse keeper.", "Can you suggest another book like it?"],
    ["My manager wants a status report every Friday.", "How do I keep the report short?"],
    ["We are visiting Lisbon in May.", "Which neighbourhoods are nice to walk in?"],
  ];
  for (const [i, texts] of filler.entries()) db.putSource(session(`talk${i}`, texts));
  const refs = rank(db, "How much did I spend on my bike?", { now: ts }).chunks.map((c) => c.chunk.ref);
  assert.equal(refs[0], "shop_1", refs.join(" "));
  // The class is no match by itself: an amount spent on something else is not a hit.
  assert.ok(!refs.includes("garden_1"), refs.join(" "));
  // Asked without money, the turn that says "bike" most comes first.
  const plain = rank(db, "What do you know about my bike?", { now: ts }).chunks.map((c) => c.chunk.ref);
  assert.equal(plain[0], "care_1", plain.join(" "));
  db.close();
});

test("a verb that takes another verb is framing, not evidence", () => {
  assert.deepEqual(queryTerms("How many bikes did I service or plan to service in March?"), [
    "bike",
    "servic",
    "march",
  ]);
  assert.ok(queryTerms("What are my travel plans?").includes("plan"));
  assert.ok(queryTerms("I'm planning to visit the Vatican again").includes("visit"));
  assert.ok(!queryTerms("I'm planning to visit the Vatican again").includes("plan"));
});
