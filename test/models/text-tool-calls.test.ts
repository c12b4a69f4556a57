// Recovery of Hermes/Qwen-style <tool_call> blocks and leading <think> sections from text.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { recoverTextToolCalls, withTextToolCalls } from "../../src/models/text-tool-calls.js";
import { type AssistantMessage, emptyUsage, type ModelEvent } from "../../src/models/types.js";

const msg = (text: string, stopReason: AssistantMessage["stopReason"] = "stop"): AssistantMessage => ({
  role: "assistant",
  content: [{ type: "text", text }],
  stopReason,
  usage: emptyUsage(),
  model: "local/qwen",
});
const recover = (text: string) => recoverTextToolCalls(msg(text), "x").message;

describe("text tool-call recovery", () => {
  it("extracts a block with whitespace and newlines, keeping the surrounding text", () => {
    const m = recover(
      'I will read it.\n<tool_call>\n  {"name": "read", "arguments": {"path": "a.txt"}}\n</tool_call>\n',
    );
    assert.equal(m.stopReason, "toolUse");
    assert.deepEqual(m.content, [
      { type: "text", text: "I will read it." },
      { type: "toolCall", id: "call_text_0_x", name: "read", arguments: { path: "a.txt" } },
    ]);
  });

  it("accepts arguments as a JSON string and the `parameters` key", () => {
    const m = recover(
      '<tool_call>{"name": "a", "arguments": "{\\"n\\": 1}"}</tool_call><tool_call>{"name": "b", "parameters": {"m": 2}}</tool_call>',
    );
    assert.deepEqual(
      m.content.map((b) => b.type === "toolCall" && [b.name, b.arguments]),
      [
        ["a", { n: 1 }],
        ["b", { m: 2 }],
      ],
    );
    assert.equal(m.content.length, 2, "empty text dropped");
  });

  it("tolerates a code fence and a missing closing tag", () => {
    const m = recover('<tool_call>\n```json\n{"name": "ls", "arguments": {}}\n```');
    assert.deepEqual(m.content, [{ type: "toolCall", id: "call_text_0_x", name: "ls", arguments: {} }]);
  });

  it("turns an unparseable block into an invalid call the model can read back", () => {
    const m = recover('<tool_call>{"name": "write", "arguments": {"path": "a", }</tool_call>');
    const [call] = m.content;
    assert.ok(call.type === "toolCall");
    assert.equal(call.name, "write");
    assert.deepEqual(call.arguments, {});
    assert.equal(call.invalidArguments, '{"name": "write", "arguments": {"path": "a", }');
    assert.equal(m.stopReason, "toolUse");
  });

  it("moves a leading <think> section, or one whose opener was in the prompt, into thinking", () => {
    assert.deepEqual(recover("<think>\nplan it\n</think>\n\nAnswer.").content, [
      { type: "thinking", thinking: "plan it" },
      { type: "text", text: "Answer." },
    ]);
    assert.deepEqual(recover("plan it</think>Answer.").content, [
      { type: "thinking", thinking: "plan it" },
      { type: "text", text: "Answer." },
    ]);
  });

  it("returns the same message when there is nothing to recover, and skips failed calls", () => {
    const plain = msg("just text");
    assert.equal(recoverTextToolCalls(plain, "x").message, plain);
    const failed = msg('<tool_call>{"name": "a"}</tool_call>', "error");
    assert.equal(recoverTextToolCalls(failed, "x").message, failed);
  });

  it("emits toolcall events for recovered calls before done", async () => {
    async function* source(): AsyncGenerator<ModelEvent> {
      yield { type: "text_delta", delta: "<tool_call>" };
      yield { type: "done", message: msg('<tool_call>{"name": "ls", "arguments": {"d": "."}}</tool_call>') };
    }
    const events: ModelEvent[] = [];
    for await (const ev of withTextToolCalls(source(), "n")) events.push(ev);
    assert.deepEqual(
      events.map((e) => e.type),
      ["text_delta", "toolcall_start", "toolcall_delta", "done"],
    );
    assert.deepEqual(events[2], { type: "toolcall_delta", id: "call_text_0_n", delta: '{"d":"."}' });
  });
});
