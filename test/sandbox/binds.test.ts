// Fixed-path binds (MountPlan.binds): placed after the workspace bind, read-only when asked, and
// absent from calls that do not ask for them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { callArgs, type MountPlan } from "../../src/sandbox/bwrap-args.js";

const mounts: MountPlan = {
  workspace: "/w",
  hiddenDirs: ["/tmp"],
  hiddenFiles: [],
  exposeReadOnly: [],
  hiddenInWorkspace: [],
  protectedFds: [],
  maskedSockets: [],
};
const call = (m: MountPlan) => callArgs({ mounts: m, cwd: "/w", env: {}, seccompFd: 4, command: "true" });
const indexOfSeq = (args: string[], ...seq: string[]) =>
  args.findIndex((_a, k) => seq.every((s, j) => args[k + j] === s));

test("binds come after the workspace, read-only when asked", () => {
  const args = call({
    ...mounts,
    binds: [
      { source: "/srv/tests", dest: "/tests", readOnly: true },
      { source: "/srv/logs", dest: "/logs/verifier" },
    ],
  });
  const ws = indexOfSeq(args, "--bind", "/w", "/w");
  const tests = indexOfSeq(args, "--ro-bind", "/srv/tests", "/tests");
  const logs = indexOfSeq(args, "--bind", "/srv/logs", "/logs/verifier");
  assert.ok(ws >= 0 && tests > ws && logs > ws, args.join(" "));
});

test("no binds, no extra mounts", () => {
  const args = call(mounts);
  assert.equal(args.filter((a) => a === "--bind").length, 1);
  assert.equal(args.filter((a) => a === "--ro-bind").length, 0);
});
