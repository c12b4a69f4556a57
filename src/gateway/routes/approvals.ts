// Approval routes: list held calls and answer one. An approval is single use and applies to the
// exact call. The run that asked has moved on (the model was told the call is held), so answering
// also resumes the session: a message saying what was decided is queued there, and the agent makes
// the approved call again (or goes on without a denied one). `?resume=0` only records the answer.
import { type Context, Hono } from "hono";
import type { ApprovalStore, PendingApproval } from "../../runtime/approval-store.js";
import type { GatewayEnv } from "../http-util.js";
import type { RunManager } from "../run-manager.js";

/** What the approval routes use. */
export interface ApprovalRouteDeps {
  approvals: ApprovalStore;
  manager: RunManager;
}

/** The message queued in the held call's session when it is answered. */
export function resumeText(p: PendingApproval, verdict: "approve" | "deny"): string {
  const call = `\`${p.tool}\` call ${JSON.stringify(p.arguments)}`;
  return verdict === "approve"
    ? `[approval] The owner approved the held ${call}. Make exactly that call again now to run it, then continue the task.`
    : `[approval] The owner denied the held ${call}. Do not make it again; continue without it, or say what you need instead.`;
}

/** Mounted at /api. */
export function approvalRoutes(d: ApprovalRouteDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.get("/approvals", (c) =>
    c.json({ approvals: d.approvals.pending().map((p) => ({ id: p.hash.slice(0, 12), ...p })) }),
  );
  const answer = (c: Context<GatewayEnv>, verdict: "approve" | "deny") => {
    const id = c.req.param("id") ?? "";
    const p = verdict === "approve" ? d.approvals.approve(id) : d.approvals.deny(id);
    let resumed: { messageId: string; sessionId: string } | undefined;
    if (p.sessionId && c.req.query("resume") !== "0") {
      const { message } = d.manager.submit({
        text: resumeText(p, verdict),
        sessionId: p.sessionId,
        idempotencyKey: `approval:${p.hash}:${verdict}`,
      });
      resumed = { messageId: message.id, sessionId: message.sessionId };
    }
    return c.json({ [verdict === "approve" ? "approved" : "denied"]: p, ...(resumed ? { resumed } : {}) });
  };
  app.post("/approvals/:id/approve", (c) => answer(c, "approve"));
  app.post("/approvals/:id/deny", (c) => answer(c, "deny"));
  return app;
}
