// `ratchet approvals list|approve|deny`: the owner's answers to calls held while nobody could be
// asked. An answer applies to that exact call (its hash) and takes effect when a run makes the call
// again, e.g. `ratchet run … --session ID`.

import { describeCall } from "./approver-prompt.js";
import { openContext } from "./context.js";
import { openApprovals } from "./run-command.js";

/** Lists held calls. */
export function approvalsList(flags: { json?: boolean }): number {
  const ctx = openContext();
  const store = openApprovals(ctx);
  try {
    const pending = store.pending();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(pending)}\n`);
      return 0;
    }
    if (pending.length === 0) process.stdout.write("No calls are waiting for approval.\n");
    for (const p of pending) {
      const when = new Date(p.createdAt).toISOString().replace("T", " ").slice(0, 16);
      process.stdout.write(
        `${p.hash.slice(0, 12)}  ${when}  session ${p.sessionId ?? "-"}  ${describeCall(p)}\n    ${p.reason}\n`,
      );
    }
    return 0;
  } finally {
    store.close();
    ctx.store.close();
  }
}

/** Approves or denies one held call by id (a prefix of its hash). */
export function approvalsAnswer(id: string, decision: "approve" | "deny"): number {
  const ctx = openContext();
  const store = openApprovals(ctx);
  try {
    const p = decision === "approve" ? store.approve(id) : store.deny(id);
    const next = p.sessionId ? ` Continue with: ratchet run "…" --session ${p.sessionId}` : "";
    process.stdout.write(
      `${decision === "approve" ? "Approved (once)" : "Denied"}: ${describeCall(p)}.${decision === "approve" ? next : ""}\n`,
    );
    return 0;
  } finally {
    store.close();
    ctx.store.close();
  }
}
