import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { ToolError } from "../../src/loop/tool.js";
import { createReadTool, READ_MAX_BYTES, READ_MAX_LINES } from "../../src/tools/read.js";
import { createWorkspace } from "../../src/tools/workspace.js";
import { ctx, tempTree } from "./helpers.js";

const numbered = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join("\n") + "\n";

describe("read", () => {
  let cleanup = () => {};
  afterEach(() => cleanup());
  const setup = (files: Record<string, string | Buffer>) => {
    const t = tempTree(files);
    cleanup = t.cleanup;
    return createReadTool({ workspace: createWorkspace(t.dir) });
  };
  const fails = (p: Promise<unknown>, pattern: RegExp) =>
    assert.rejects(p, (err: unknown) => err instanceof ToolError && pattern.test(err.message));

  it("returns a small file as is, CRLF shown as LF", async () => {
    const read = setup({ "a.txt": "one\ntwo\n", "w.txt": "x\r\ny\r\n" });
    assert.equal((await read.execute({ path: "a.txt" }, ctx())).content, "one\ntwo");
    assert.equal((await read.execute({ path: "w.txt" }, ctx())).content, "x\ny");
  });

  it("reads a range and says how to continue", async () => {
    const read = setup({ "n.txt": numbered(10) });
    const out = (await read.execute({ path: "n.txt", offset: 3, limit: 2 }, ctx())).content;
    assert.equal(
      out,
      "line 3\nline 4\n\n[… truncated: showing lines 3-4 of 10; call read with offset=5 to continue]",
    );
    assert.equal((await read.execute({ path: "n.txt", offset: 9 }, ctx())).content, "line 9\nline 10");
    await fails(read.execute({ path: "n.txt", offset: 11 }, ctx()), /past the end of n\.txt \(10 lines\)/);
  });

  it("caps long files by lines and by bytes", async () => {
    const read = setup({ "long.txt": numbered(5321), "wide.txt": `${"x".repeat(1000)}\n`.repeat(200) });
    const out = (await read.execute({ path: "long.txt" }, ctx())).content;
    assert.ok(out.startsWith("line 1\n"));
    assert.ok(
      out.endsWith(
        `line ${READ_MAX_LINES}\n\n[… truncated: showing lines 1-${READ_MAX_LINES} of 5321; call read with offset=${READ_MAX_LINES + 1} to continue]`,
      ),
    );
    const wide = (await read.execute({ path: "wide.txt" }, ctx())).content;
    const shown = Math.floor(READ_MAX_BYTES / 1001);
    assert.match(
      wide,
      new RegExp(
        `\\[… truncated at 50 KB: showing lines 1-${shown} of 200; call read with offset=${shown + 1}`,
      ),
    );
  });

  it("cuts a single line longer than the byte cap on a character boundary", async () => {
    const read = setup({ "min.js": "é".repeat(40_000) });
    const out = (await read.execute({ path: "min.js" }, ctx())).content;
    assert.match(out, /\[… truncated at 50 KB: showing lines 1-1 of 1; line 1 was cut/);
    assert.ok(!out.includes("\uFFFD"));
  });

  it("refuses binary files, directories and missing files with guidance", async () => {
    const read = setup({ "img.bin": Buffer.from([0x89, 0x50, 0x00, 0x01]), "d/x.txt": "x", "empty.txt": "" });
    await fails(read.execute({ path: "img.bin" }, ctx()), /binary/);
    await fails(read.execute({ path: "d" }, ctx()), /is a directory; use list/);
    await fails(read.execute({ path: "nope.txt" }, ctx()), /File not found: nope\.txt\. Use list/);
    await fails(read.execute({ path: "../etc/passwd" }, ctx()), /outside the workspace/);
    assert.equal((await read.execute({ path: "empty.txt" }, ctx())).content, "[empty file]");
  });
});
