// Heartbeat checks: fingerprints move exactly when what they watch changes, and the description
// names the file or paths (created, deleted, changed; added, removed, modified).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { describeChanges, fingerprint } from "../../src/gateway/heartbeat.js";
import type { HeartbeatCheck } from "../../src/gateway/scheduler-store.js";

test("file and glob fingerprints, and what the description says about each change", () => {
  const ws = mkdtempSync(path.join(os.tmpdir(), "ratchet-hb-"));
  mkdirSync(path.join(ws, "in", "node_modules"), { recursive: true });
  writeFileSync(path.join(ws, "in", "a.md"), "a");
  writeFileSync(path.join(ws, "in", "b.md"), "b");
  writeFileSync(path.join(ws, "in", "node_modules", "dep.md"), "ignored");
  const checks: HeartbeatCheck[] = [
    { type: "file", path: "TODO.md" },
    { type: "glob", pattern: "**/*.md", cwd: "in" },
  ];
  const first = fingerprint(checks, ws);
  assert.equal(first["file:TODO.md"], "missing");
  assert.deepEqual(Object.keys(first["glob:in:**/*.md"] as object), ["a.md", "b.md"]);
  assert.deepEqual(describeChanges(checks, null, first), [
    "file TODO.md: first check (missing)",
    "glob **/*.md in in: first check (2 paths)",
  ]);
  assert.deepEqual(describeChanges(checks, first, fingerprint(checks, ws)), [], "nothing changed");

  writeFileSync(path.join(ws, "TODO.md"), "x");
  writeFileSync(path.join(ws, "in", "c.md"), "c");
  rmSync(path.join(ws, "in", "b.md"));
  writeFileSync(path.join(ws, "in", "a.md"), "a longer");
  utimesSync(path.join(ws, "in", "a.md"), 1, 1);
  writeFileSync(path.join(ws, "in", "node_modules", "dep.md"), "still ignored");
  const second = fingerprint(checks, ws);
  assert.match(second["file:TODO.md"] as string, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(describeChanges(checks, first, second), [
    "file TODO.md: created",
    "glob **/*.md in in: added c.md; removed b.md; modified a.md",
  ]);

  writeFileSync(path.join(ws, "TODO.md"), "y");
  const third = fingerprint(checks, ws);
  assert.deepEqual(describeChanges(checks, second, third), ["file TODO.md: content changed"]);
  rmSync(path.join(ws, "TODO.md"));
  assert.deepEqual(describeChanges(checks, third, fingerprint(checks, ws)), ["file TODO.md: deleted"]);
});
