import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { toolSpec } from "../../src/loop/tool.js";
import { createWorkspaceTools } from "../../src/tools/index.js";
import { tempTree } from "./helpers.js";

const tree = tempTree();
after(() => tree.cleanup());

describe("workspace tool specs", () => {
  const tools = createWorkspaceTools({ root: tree.dir });
  const json = JSON.stringify(tools.map(toolSpec));

  it("come in a fixed order", () => {
    assert.deepEqual(
      tools.map((t) => t.name),
      ["read", "write", "edit", "list", "grep", "exec"],
    );
  });

  it("stay within the per-request byte budget", () => {
    assert.ok(Buffer.byteLength(json) < 2600, `tool specs are ${Buffer.byteLength(json)} bytes`);
  });

  it("have one-sentence descriptions and closed schemas", () => {
    for (const t of tools) {
      assert.match(t.description, /^[A-Z][^.]*\.$/, t.name);
      assert.equal(t.parameters.additionalProperties, false, t.name);
    }
  });

  it("serialise byte-identically each time they are built", () => {
    assert.equal(JSON.stringify(createWorkspaceTools({ root: tree.dir }).map(toolSpec)), json);
  });
});
