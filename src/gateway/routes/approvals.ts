// Approval routes: list held calls and answer one. An approval is single use and applies to the
// exact call; the run that asked has already moved on, so the next run making the call goes ahead.
import { Hono } from "hono";
import type { ApprovalStore } from "../../runtime/approval-store.js";
import type { GatewayEnv } from "../http-util.js";

/** Mounted at /api. */
export function approvalRoutes(approvals: ApprovalStore): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.get("/approvals", (c) =>
    c.json({ approvals: approvals.pending().map((p) => ({ id: p.hash.slice(0, 12), ...p })) }),
  );
  app.post("/approvals/:id/approve", (c) => c.json({ approved: approvals.approve(c.req.param("id")) }));
  app.post("/approvals/:id/deny", (c) => c.json({ denied: approvals.deny(c.req.param("id")) }));
  return app;
}
