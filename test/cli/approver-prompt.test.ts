// The terminal approver's question and answers, and the chat line reader that feeds it.
import assert from "node:assert/strict";
import readline from "node:readline";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { createPromptApprover, describeCall } from "../../src/cli/approver-prompt.js";
import { LineReader } from "../../src/cli/line-reader.js";

const req = {
  hash: "ab".repeat(32),
  tool: "exec",
  arguments: { command: "curl -s   https://evil.test" },
  reason: "exec uses the network",
};

describe("prompt approver", () => {
  it("asks 'Allow exec `…`? [y/N]' and approves only on y/yes", async () => {
    const questions: string[] = [];
    let out = "";
    for (const [answer, expected] of [
      ["y", "approve"],
      [" YES ", "approve"],
      ["", "deny"],
      ["n", "deny"],
      ["sure", "deny"],
      [undefined, "deny"],
    ] as const) {
      const approver = createPromptApprover(
        async (q) => {
          questions.push(q);
          return answer;
        },
        { write: (s: string) => (out += s) },
      );
      assert.equal(await approver.request(req), expected, `answer ${JSON.stringify(answer)}`);
    }
    assert.equal(questions[0], "Allow exec `curl -s https://evil.test`? [y/N] ");
    assert.match(out, /approval needed: exec uses the network\n {2}call id abababababab/);
  });

  it("describes calls in one short line", () => {
    assert.equal(
      describeCall({ tool: "write", arguments: { path: "skills/x/SKILL.md", content: "…" } }),
      "write `skills/x/SKILL.md`",
    );
    assert.equal(describeCall({ tool: "send", arguments: { to: "a@b.test" } }), 'send `{"to":"a@b.test"}`');
    assert.ok(describeCall({ tool: "exec", arguments: { command: "x".repeat(500) } }).length < 220);
  });
});

describe("line reader", () => {
  it("hands lines out in order, buffers early ones, and ends with undefined", async () => {
    const input = new PassThrough();
    const rl = readline.createInterface({ input, terminal: false });
    const lines = new LineReader(rl);
    input.write("first\nsecond\n");
    assert.equal(await lines.next(), "first");
    assert.equal(await lines.next(), "second");
    const waiting = lines.next();
    input.write("third\n");
    assert.equal(await waiting, "third");
    const interrupted = lines.next();
    lines.interrupt();
    assert.equal(await interrupted, undefined);
    input.end();
    await new Promise((r) => rl.once("close", r));
    assert.equal(await lines.next(), undefined);
  });
});
