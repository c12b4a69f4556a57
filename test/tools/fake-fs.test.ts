// The tools run against injected operations: here an in-memory filesystem and path probe.
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { createEditTool } from "../../src/tools/edit.js";
import type { FsOps } from "../../src/tools/fs-ops.js";
import { createReadTool } from "../../src/tools/read.js";
import { createWorkspace, type PathProbe } from "../../src/tools/workspace.js";
import { createWriteTool } from "../../src/tools/write.js";
import { ctx } from "./helpers.js";

function memoryFs(root: string): { fs: FsOps; probe: PathProbe; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  const isDir = (p: string) =>
    p === root || path.dirname(p) === p || [...files.keys()].some((f) => f.startsWith(`${p}/`));
  const enoent = () => Object.assign(new Error("ENOENT"), { code: "ENOENT" });
  return {
    files,
    probe: {
      realpath: (p) => {
        if (files.has(p) || isDir(p)) return p;
        throw enoent();
      },
      readlinkIfSymlink: (p) => {
        if (files.has(p) || isDir(p)) return undefined;
        throw enoent();
      },
    },
    fs: {
      readFile: async (p) => files.get(p) ?? Promise.reject(enoent()),
      writeFile: async (p, data) => void files.set(p, typeof data === "string" ? Buffer.from(data) : data),
      stat: async (p) =>
        files.has(p)
          ? { kind: "file", size: files.get(p)!.length }
          : isDir(p)
            ? { kind: "dir", size: 0 }
            : null,
      readdir: async () => [],
      glob: async () => [],
    },
  };
}

describe("tools on an injected filesystem", () => {
  it("write, edit and read through FsOps without touching the disk", async () => {
    const root = "/virtual/ws";
    const mem = memoryFs(root);
    const workspace = createWorkspace(root, mem.probe);
    const opts = { workspace, fs: mem.fs };
    await createWriteTool(opts).execute({ path: "notes/a.md", content: "hello world\n" }, ctx());
    await createEditTool(opts).execute({ path: "notes/a.md", old_text: "world", new_text: "fake" }, ctx());
    assert.equal((await createReadTool(opts).execute({ path: "notes/a.md" }, ctx())).content, "hello fake");
    assert.deepEqual([...mem.files.keys()], ["/virtual/ws/notes/a.md"]);
  });
});
