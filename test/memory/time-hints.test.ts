// Time phrases in queries resolve to ranges relative to "now" (UTC calendar).
import assert from "node:assert/strict";
import { test } from "node:test";
import { rangeFit, timeHints } from "../../src/memory/time-hints.js";

// Tuesday 2023-04-18 16:50 UTC.
const NOW = Date.UTC(2023, 3, 18, 16, 50);
const day = (s: string) => new Date(s).toISOString().slice(0, 10);
function range(q: string): [string, string] | undefined {
  const r = timeHints(q, NOW).ranges[0];
  return r ? [day(new Date(r.from).toISOString()), day(new Date(r.to).toISOString())] : undefined;
}

test("relative days, weeks and months", () => {
  assert.deepEqual(range("what did I buy yesterday"), ["2023-04-17", "2023-04-17"]);
  assert.deepEqual(range("what did I say today"), ["2023-04-18", "2023-04-18"]);
  assert.deepEqual(range("the appliance I bought 10 days ago"), ["2023-04-07", "2023-04-09"]);
  assert.deepEqual(range("two weeks ago"), ["2023-04-02", "2023-04-06"]);
  assert.deepEqual(range("in the last two months"), ["2023-02-16", "2023-04-18"]);
  assert.deepEqual(range("over the past month"), ["2023-03-19", "2023-04-18"]);
  assert.deepEqual(range("last week"), ["2023-04-10", "2023-04-16"]);
  assert.deepEqual(range("last month"), ["2023-03-01", "2023-03-31"]);
  assert.deepEqual(range("this year"), ["2023-01-01", "2023-04-18"]);
  assert.deepEqual(range("since the start of the year"), ["2023-01-01", "2023-04-18"]);
});

test("weekdays and months resolve to the past", () => {
  assert.deepEqual(range("lunch last Tuesday"), ["2023-04-11", "2023-04-11"]);
  assert.deepEqual(range("on Friday"), ["2023-04-14", "2023-04-14"]);
  assert.deepEqual(range("doctor visits in March"), ["2023-03-01", "2023-03-31"]);
  assert.deepEqual(range("in June"), ["2022-06-01", "2022-06-30"]);
  assert.deepEqual(range("in June 2021"), ["2021-06-01", "2021-06-30"]);
  assert.deepEqual(range("on March 5th"), ["2023-03-05", "2023-03-05"]);
  assert.deepEqual(range("5 March 2022"), ["2022-03-05", "2022-03-05"]);
  assert.deepEqual(range("notes from 2023-01-09"), ["2023-01-09", "2023-01-09"]);
});

test("words that only look like dates are not dates", () => {
  assert.equal(range("I may go"), undefined);
  assert.equal(range("the march on Washington"), undefined);
  assert.equal(range("everything before today"), undefined);
  assert.equal(range(""), undefined);
});

test("recency words, and relative phrases removed from the text", () => {
  const h = timeHints("Where do I currently keep my sneakers, as of 3 days ago?", NOW);
  assert.equal(h.recency, true);
  assert.doesNotMatch(h.rest, /days ago/);
  assert.match(h.rest, /sneakers/);
  assert.equal(timeHints("in March", NOW).rest.includes("march"), true);
});

test("range fit is 1 inside, one half at the slack, falling beyond", () => {
  const r = { from: 1000, to: 2000, slack: 100, text: "" };
  assert.equal(rangeFit(1500, [r]), 1);
  assert.equal(rangeFit(2100, [r]), 0.5);
  assert.ok(rangeFit(3000, [r]) < 0.02);
  assert.equal(rangeFit(1500, []), 0);
});
