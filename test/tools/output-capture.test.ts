import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OutputCapture } from "../../src/tools/output-capture.js";

const capture = (max: number, chunks: string[]) => {
  const c = new OutputCapture(max);
  for (const chunk of chunks) c.push(Buffer.from(chunk));
  return c.finish();
};

describe("OutputCapture", () => {
  it("keeps everything up to the budget, across chunks", () => {
    assert.deepEqual(capture(10, ["abc", "defg", "hij"]), { text: "abcdefghij", truncated: false });
    assert.deepEqual(capture(10, []), { text: "", truncated: false });
  });

  it("keeps head and tail when many small chunks overflow", () => {
    const chunks = Array.from({ length: 100 }, (_, i) => String(i % 10));
    const out = capture(10, chunks);
    assert.deepEqual(out, { text: "01234\n[… 90 bytes omitted …]\n56789", truncated: true });
  });

  it("handles one huge chunk larger than the whole budget", () => {
    const out = capture(10, [`HEAD_${"x".repeat(1000)}_TAIL`]);
    assert.deepEqual(out, { text: "HEAD_\n[… 1000 bytes omitted …]\n_TAIL", truncated: true });
  });

  it("never splits a UTF-8 character at either cut", () => {
    const out = capture(9, ["€€€€€€€€€€"]); // 3 bytes each; head 4 → 1 char, tail 5 → 1 char
    assert.deepEqual(out, { text: "€\n[… 24 bytes omitted …]\n€", truncated: true });
    const split = capture(9, ["a€", "€€€€€€€€€"]); // characters arrive whole but chunks straddle the head cut
    assert.ok(!split.text.includes("\uFFFD"));
  });
});
