import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ToolError } from "../../src/loop/tool.js";
import { createWorkspace, type Workspace } from "../../src/tools/workspace.js";
import { tempTree } from "./helpers.js";

describe("workspace confinement", () => {
  let dir: string;
  let outside: string;
  let cleanups: (() => void)[];
  let ws: Workspace;

  beforeEach(() => {
    const a = tempTree({ "src/a.ts": "a", "..foo": "dots", "docs/readme.md": "r" });
    const b = tempTree({ "secret.txt": "s" });
    dir = a.dir;
    outside = b.dir;
    cleanups = [a.cleanup, b.cleanup];
    ws = createWorkspace(dir);
  });
  afterEach(() => {
    for (const c of cleanups) c();
  });

  const refuses = (p: string, pattern: RegExp, forWrite = false) =>
    assert.throws(
      () => ws.resolve(p, { forWrite }),
      (err: unknown) => err instanceof ToolError && pattern.test(err.message),
    );

  it("resolves legit paths, '.', nested and new files", () => {
    assert.equal(ws.resolve("."), dir);
    assert.equal(ws.resolve("src/a.ts"), path.join(dir, "src/a.ts"));
    assert.equal(ws.resolve("src/../docs/readme.md"), path.join(dir, "docs/readme.md"));
    assert.equal(ws.resolve("..foo"), path.join(dir, "..foo"));
    assert.equal(ws.resolve("new/deep/file.txt", { forWrite: true }), path.join(dir, "new/deep/file.txt"));
    assert.equal(ws.relative(path.join(dir, "src/a.ts")), "src/a.ts");
    assert.equal(ws.relative(dir), ".");
  });

  it("refuses absolute paths and .. that leaves the root", () => {
    refuses("/etc/passwd", /Absolute paths are not allowed: \/etc\/passwd; pass a path relative/);
    refuses(path.join(dir, "src/a.ts"), /Absolute paths are not allowed: .*; use "src\/a\.ts"/);
    refuses("../x", /outside the workspace/);
    refuses("a/../../x", /outside the workspace/);
    refuses("..", /outside the workspace/);
    refuses("", /empty/);
    refuses(".", /workspace root itself/, true);
  });

  it("refuses symlinks leading out: file, directory, parent dir and dangling", () => {
    fs.symlinkSync("/etc", path.join(dir, "etc"));
    fs.symlinkSync(path.join(outside, "secret.txt"), path.join(dir, "secret-link"));
    fs.symlinkSync(outside, path.join(dir, "out-dir"));
    fs.symlinkSync(path.join(outside, "not-yet", "x"), path.join(dir, "dangling"));
    fs.symlinkSync(path.join(outside, "nope"), path.join(dir, "dangling-dir"));
    refuses("etc/passwd", /symlink/);
    refuses("etc", /symlink/);
    refuses("secret-link", /symlink/);
    refuses("out-dir/secret.txt", /symlink/);
    refuses("out-dir/new.txt", /symlink/, true);
    refuses("dangling", /symlink/, true);
    refuses("dangling-dir/sub/file.txt", /symlink/, true);
  });

  it("follows symlinks that stay inside, to their real path", () => {
    fs.symlinkSync("src/a.ts", path.join(dir, "link.ts"));
    fs.symlinkSync("docs", path.join(dir, "docs-link"));
    fs.symlinkSync("src/new.ts", path.join(dir, "dangling-in"));
    assert.equal(ws.resolve("link.ts"), path.join(dir, "src/a.ts"));
    assert.equal(ws.resolve("docs-link/readme.md"), path.join(dir, "docs/readme.md"));
    assert.equal(ws.resolve("dangling-in", { forWrite: true }), path.join(dir, "src/new.ts"));
  });

  it("refuses symlink loops with a message instead of crashing", () => {
    fs.symlinkSync("loop-b", path.join(dir, "loop-a"));
    fs.symlinkSync("loop-a", path.join(dir, "loop-b"));
    refuses("loop-a", /Cannot write loop-a/, true);
  });

  it("realpaths the root once, so a symlinked root works", () => {
    const link = `${dir}-link`;
    fs.symlinkSync(dir, link);
    cleanups.push(() => fs.rmSync(link));
    const viaLink = createWorkspace(link);
    assert.equal(viaLink.root, dir);
    assert.equal(viaLink.resolve("src/a.ts"), path.join(dir, "src/a.ts"));
  });
});
