import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, it } from "node:test";
import { ToolError } from "../../src/loop/tool.js";
import { createEditTool } from "../../src/tools/edit.js";
import { createWorkspace } from "../../src/tools/workspace.js";
import { createWriteTool } from "../../src/tools/write.js";
import { ctx, tempTree } from "./helpers.js";

describe("write and edit", () => {
  let cleanup = () => {};
  afterEach(() => cleanup());
  const setup = (files: Record<string, string> = {}) => {
    const t = tempTree(files);
    cleanup = t.cleanup;
    const workspace = createWorkspace(t.dir);
    return { dir: t.dir, write: createWriteTool({ workspace }), edit: createEditTool({ workspace }) };
  };
  const fails = (p: Promise<unknown>, pattern: RegExp) =>
    assert.rejects(p, (err: unknown) => err instanceof ToolError && pattern.test(err.message));

  it("write creates parents and reports bytes", async () => {
    const { dir, write } = setup();
    const out = await write.execute({ path: "a/b/c.txt", content: "héllo" }, ctx());
    assert.equal(out.content, "Wrote 6 bytes to a/b/c.txt.");
    assert.equal(fs.readFileSync(path.join(dir, "a/b/c.txt"), "utf8"), "héllo");
  });

  it("write refuses symlinks out and directories", async () => {
    const { dir, write } = setup({ "d/x": "" });
    const out = tempTree({ "target.txt": "keep" });
    try {
      fs.symlinkSync(path.join(out.dir, "target.txt"), path.join(dir, "link.txt"));
      fs.symlinkSync(path.join(out.dir, "ghost.txt"), path.join(dir, "ghost.txt"));
      await fails(write.execute({ path: "link.txt", content: "pwned" }, ctx()), /symlink/);
      await fails(write.execute({ path: "ghost.txt", content: "pwned" }, ctx()), /symlink/);
      assert.equal(fs.readFileSync(path.join(out.dir, "target.txt"), "utf8"), "keep");
      assert.equal(fs.existsSync(path.join(out.dir, "ghost.txt")), false);
      await fails(write.execute({ path: "d", content: "x" }, ctx()), /is a directory/);
    } finally {
      out.cleanup();
    }
  });

  it("edit replaces exactly one match, literally", async () => {
    const { dir, edit } = setup({ "a.ts": "const a = 1;\nconst b = 2;\n" });
    const out = await edit.execute(
      { path: "a.ts", old_text: "const b = 2;", new_text: "const b = '$&';\nconst c = 3;" },
      ctx(),
    );
    assert.equal(out.content, "Edited a.ts: replaced 1 occurrence (now lines 2-3).");
    assert.equal(
      fs.readFileSync(path.join(dir, "a.ts"), "utf8"),
      "const a = 1;\nconst b = '$&';\nconst c = 3;\n",
    );
  });

  it("edit with no match points at a whitespace-insensitive match", async () => {
    const { edit } = setup({ "a.py": "def f():\n    return 1\n\ndef g():\n    return 2\n" });
    await fails(
      edit.execute({ path: "a.py", old_text: "def g():\n  return 2", new_text: "x" }, ctx()),
      /not found in a\.py.*whitespace and indentation.*Ignoring whitespace it matches at line 4/s,
    );
    await fails(
      edit.execute({ path: "a.py", old_text: "def g():\n    return 3", new_text: "x" }, ctx()),
      /first line occurs at line 4/,
    );
    await fails(
      edit.execute({ path: "a.py", old_text: "nothing like it", new_text: "x" }, ctx()),
      /Read the file/,
    );
    await fails(edit.execute({ path: "a.py", old_text: "", new_text: "x" }, ctx()), /old_text is empty/);
    await fails(edit.execute({ path: "missing.py", old_text: "a", new_text: "b" }, ctx()), /File not found/);
  });

  it("edit with several matches gives the count and line numbers", async () => {
    const { edit } = setup({ "a.txt": "x = 1\ny = 2\nx = 1\nz\nx = 1\n" });
    await fails(
      edit.execute({ path: "a.txt", old_text: "x = 1", new_text: "x = 9" }, ctx()),
      /matches 3 times in a\.txt \(lines 1, 3, 5\); include more surrounding lines/,
    );
  });

  it("edit keeps CRLF line endings", async () => {
    const { dir, edit } = setup({ "w.txt": "one\r\ntwo\r\nthree\r\n" });
    await edit.execute({ path: "w.txt", old_text: "two\nthree", new_text: "2\n3" }, ctx());
    assert.equal(fs.readFileSync(path.join(dir, "w.txt"), "utf8"), "one\r\n2\r\n3\r\n");
  });
});
