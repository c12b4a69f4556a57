import type Database from "better-sqlite3";
import type { ApprovalDecision, ApprovalLedger, ApprovalRequest } from "../policy/approvals.js";
import { userError } from "../util/errors.js";
import { openStore } from "../util/sqlite.js";

/** A held call as listed to the owner. */
export interface PendingApproval extends ApprovalRequest {
  sessionId: string | null;
  createdAt: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS approvals (
  hash TEXT PRIMARY KEY, session_id TEXT, tool TEXT NOT NULL, arguments TEXT NOT NULL, reason TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'used')),
  created_at INTEGER NOT NULL, decided_at INTEGER
);
CREATE INDEX IF NOT EXISTS approvals_status ON approvals(status, created_at);
`;

interface Row {
  hash: string;
  session_id: string | null;
  tool: string;
  arguments: string;
  reason: string;
  status: string;
  created_at: number;
}

/** SQLite-backed ApprovalLedger with the owner-facing API: list, approve, deny. */
export class ApprovalStore implements ApprovalLedger {
  private db: Database.Database;

  constructor(
    file: string,
    private now: () => number = Date.now,
  ) {
    this.db = openStore(file, SCHEMA, "FULL");
  }

  /** Records a held call. A pending or answered row is kept; a used-up approval is pending again. */
  hold(req: ApprovalRequest, sessionId?: string): void {
    this.db
      .prepare(
        `INSERT INTO approvals (hash, session_id, tool, arguments, reason, status, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)
         ON CONFLICT(hash) DO UPDATE SET status = 'pending', session_id = excluded.session_id,
           reason = excluded.reason, created_at = excluded.created_at, decided_at = NULL WHERE status = 'used'`,
      )
      .run(req.hash, sessionId ?? null, req.tool, JSON.stringify(req.arguments), req.reason, this.now());
  }

  /** The owner's answer; an approval is marked used as it is returned, a denial stays. */
  take(hash: string): ApprovalDecision | undefined {
    const tx = this.db.transaction((): ApprovalDecision | undefined => {
      const row = this.db.prepare("SELECT status FROM approvals WHERE hash = ?").get(hash) as
        | { status: string }
        | undefined;
      if (row?.status === "approved") {
        this.db.prepare("UPDATE approvals SET status = 'used' WHERE hash = ?").run(hash);
        return "approve";
      }
      return row?.status === "denied" ? "deny" : undefined;
    });
    return tx();
  }

  /** Held calls, oldest first. */
  pending(): PendingApproval[] {
    const rows = this.db
      .prepare("SELECT * FROM approvals WHERE status = 'pending' ORDER BY created_at")
      .all() as Row[];
    return rows.map((r) => ({
      hash: r.hash,
      tool: r.tool,
      arguments: JSON.parse(r.arguments) as Record<string, unknown>,
      reason: r.reason,
      sessionId: r.session_id,
      createdAt: r.created_at,
    }));
  }

  /** Approves the held call whose hash is, or starts with, `id` (at least 8 characters). */
  approve(id: string): PendingApproval {
    return this.decide(id, "approved");
  }

  /** Denies the held call whose hash is, or starts with, `id`. */
  deny(id: string): PendingApproval {
    return this.decide(id, "denied");
  }

  close(): void {
    this.db.close();
  }

  private decide(id: string, status: "approved" | "denied"): PendingApproval {
    const matches = this.pending().filter((p) => id.length >= 8 && p.hash.startsWith(id.toLowerCase()));
    if (matches.length !== 1)
      throw userError(
        "approval_not_found",
        matches.length === 0
          ? `No held call with id "${id}". Run \`ratchet approvals list\` to see them (ids are at least 8 characters).`
          : `"${id}" matches ${matches.length} held calls; give more characters of the id.`,
      );
    this.db
      .prepare("UPDATE approvals SET status = ?, decided_at = ? WHERE hash = ?")
      .run(status, this.now(), matches[0].hash);
    return matches[0];
  }
}
