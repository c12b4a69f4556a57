import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, it } from "node:test";
import { ToolError } from "../../src/loop/tool.js";
import { createGrepTool, GREP_MAX_MATCHES } from "../../src/tools/grep.js";
import { createListTool, LIST_MAX_ENTRIES } from "../../src/tools/list.js";
import { createWorkspace } from "../../src/tools/workspace.js";
import { ctx, tempTree } from "./helpers.js";

const files = {
  "README.md": "# hello\n",
  ".env.example": "KEY=\n",
  "src/a.ts": "export const a = 1;\n// TODO: more\n",
  "src/lib/b.ts": "export const b = 2;\r\nconst todo = 'todo';\r\n",
  "src/lib/c.js": "module.exports = 'TODO';\n",
  "node_modules/dep/index.ts": "// TODO in dep\n",
  ".git/config": "TODO in git\n",
  "bin/blob.bin": Buffer.concat([Buffer.from("TODO"), Buffer.from([0, 1, 2])]),
};

describe("list and grep", () => {
  let cleanup = () => {};
  afterEach(() => cleanup());
  const setup = (extra: Record<string, string | Buffer> = {}) => {
    const t = tempTree({ ...files, ...extra });
    const outside = tempTree({ "secret.ts": "// TODO secret\n" });
    cleanup = () => {
      t.cleanup();
      outside.cleanup();
    };
    fs.symlinkSync(path.join(outside.dir, "secret.ts"), path.join(t.dir, "src/secret-link.ts"));
    fs.symlinkSync(outside.dir, path.join(t.dir, "out"));
    const workspace = createWorkspace(t.dir);
    return { dir: t.dir, list: createListTool({ workspace }), grep: createGrepTool({ workspace }) };
  };
  const fails = (p: Promise<unknown>, pattern: RegExp) =>
    assert.rejects(p, (err: unknown) => err instanceof ToolError && pattern.test(err.message));

  it("lists a directory with dirs marked /, symlinks @, as root-relative paths", async () => {
    const { list } = setup();
    const root = (await list.execute({}, ctx())).content.split("\n");
    assert.deepEqual(root, [".env.example", ".git/", "README.md", "bin/", "node_modules/", "out@", "src/"]);
    const src = (await list.execute({ path: "src" }, ctx())).content.split("\n");
    assert.deepEqual(src, ["src/a.ts", "src/lib/", "src/secret-link.ts@"]);
    await fails(list.execute({ path: "README.md" }, ctx()), /not a directory/);
    await fails(list.execute({ path: "nope" }, ctx()), /not found/);
    await fails(list.execute({ path: "out" }, ctx()), /symlink/);
  });

  it("globs files, skipping .git, node_modules and symlinks", async () => {
    const { list } = setup();
    assert.deepEqual((await list.execute({ pattern: "**/*.ts" }, ctx())).content.split("\n"), [
      "src/a.ts",
      "src/lib/b.ts",
    ]);
    assert.deepEqual((await list.execute({ path: "src", pattern: "lib/*" }, ctx())).content.split("\n"), [
      "src/lib/b.ts",
      "src/lib/c.js",
    ]);
    assert.match((await list.execute({ pattern: "*.nothing" }, ctx())).content, /No files match/);
    await fails(list.execute({ pattern: "../*" }, ctx()), /must not contain/);
    await fails(list.execute({ pattern: "/etc/*" }, ctx()), /must be relative/);
  });

  it("caps long listings with a marker", async () => {
    const many = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`many/f${i}.txt`, ""]));
    const { list } = setup(many);
    const out = (await list.execute({ pattern: "many/*.txt" }, ctx())).content.split("\n");
    assert.equal(out.length, LIST_MAX_ENTRIES + 1);
    assert.equal(out.at(-1), `[… ${LIST_MAX_ENTRIES} of 600 entries shown; narrow the pattern]`);
  });

  it("greps with file:line: text, skipping binaries, .git, node_modules and symlinks out", async () => {
    const { grep } = setup();
    const out = (await grep.execute({ pattern: "TODO" }, ctx())).content;
    assert.equal(out, "src/a.ts:2: // TODO: more\nsrc/lib/c.js:1: module.exports = 'TODO';");
    const ci = (await grep.execute({ pattern: "todo", ignore_case: true, glob: "*.ts" }, ctx())).content;
    assert.equal(ci, "src/a.ts:2: // TODO: more\nsrc/lib/b.ts:2: const todo = 'todo';");
    const inFile = (await grep.execute({ pattern: "^export", path: "src/lib/b.ts" }, ctx())).content;
    assert.equal(inFile, "src/lib/b.ts:1: export const b = 2;");
    const inDir = (await grep.execute({ pattern: "^export", path: "src/lib" }, ctx())).content;
    assert.equal(inDir, "src/lib/b.ts:1: export const b = 2;");
    assert.equal((await grep.execute({ pattern: "zzz" }, ctx())).content, "No matches.");
    await fails(grep.execute({ pattern: "TODO", path: "out" }, ctx()), /symlink/);
  });

  it("reports an invalid regex with the engine's message", async () => {
    const { grep } = setup();
    await fails(grep.execute({ pattern: "foo(" }, ctx()), /^Invalid regex: .*Unterminated group/);
  });

  it("caps matches and cuts long lines around the match", async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `hit ${i}`).join("\n");
    const { grep } = setup({ "many.txt": lines, "min.js": `${"a".repeat(5000)}NEEDLE${"b".repeat(5000)}` });
    const out = (await grep.execute({ pattern: "^hit", path: "many.txt" }, ctx())).content.split("\n");
    assert.equal(out.length, GREP_MAX_MATCHES + 1);
    assert.match(out.at(-1)!, /stopped at 200 matches/);
    const min = (await grep.execute({ pattern: "NEEDLE", path: "min.js" }, ctx())).content;
    assert.ok(min.includes("NEEDLE") && min.length < 400, min);
    assert.match(min, /^min\.js:1: …a+NEEDLEb+…$/);
  });
});
