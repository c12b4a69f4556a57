// Approvals. An approval binds to the exact call: the SHA-256 of the canonical JSON (sorted keys)
// of {tool, arguments}. Approving `curl https://a.test` says nothing about `curl https://b.test`,
// and nothing about the same command with one more flag. Who answers is an Approver (a prompt on
// the terminal, later the web UI or a channel); held calls wait in an ApprovalLedger.
import { createHash } from "node:crypto";

/** The owner's answer. */
export type ApprovalDecision = "approve" | "deny";

/** A call waiting for the owner. `arguments` may be redacted for display; `hash` binds the real ones. */
export interface ApprovalRequest {
  hash: string;
  tool: string;
  arguments: Record<string, unknown>;
  /** Why it needs approval, in words for the owner. */
  reason: string;
}

/** Asks the owner about one call. */
export interface Approver {
  /**
   * False for approvers that cannot reach the owner now: their "deny" means "held for later", and
   * the call is recorded in the ledger so the owner can approve it from elsewhere. Default true.
   */
  readonly interactive?: boolean;
  request(req: ApprovalRequest): Promise<ApprovalDecision>;
}

/** Held calls and answers given out of band (CLI `approvals approve`, web UI, channels). */
export interface ApprovalLedger {
  /** Records a call that waits for the owner; repeating it for the same hash keeps one entry. */
  hold(req: ApprovalRequest, sessionId?: string): void;
  /** The owner's answer for `hash`, if any. An approval is used up by this call; a denial stays. */
  take(hash: string): ApprovalDecision | undefined;
}

/** JSON with object keys sorted at every depth, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The hash an approval binds to: sha256 hex of canonical {tool, arguments}. */
export function callHash(tool: string, args: Record<string, unknown>): string {
  return createHash("sha256")
    .update(canonicalJson({ tool, arguments: args }))
    .digest("hex");
}

/** The message the model reads when no one can approve now. */
export const NEEDS_APPROVAL = "needs approval; re-run interactively or add a policy rule";

/** For runs nobody watches: every request is held (the caller records it), never approved. */
export const nonInteractiveApprover: Approver = {
  interactive: false,
  request: async () => "deny",
};

/** An in-memory ledger, for tests and single-process use. */
export function memoryLedger(): ApprovalLedger & {
  pending(): ApprovalRequest[];
  answer(hash: string, d: ApprovalDecision): void;
} {
  const held = new Map<string, ApprovalRequest>();
  const answers = new Map<string, ApprovalDecision>();
  return {
    hold: (req) => {
      if (!answers.has(req.hash)) held.set(req.hash, req);
    },
    take: (hash) => {
      const d = answers.get(hash);
      if (d === "approve") answers.delete(hash);
      return d;
    },
    pending: () => [...held.values()],
    answer: (hash, d) => {
      held.delete(hash);
      answers.set(hash, d);
    },
  };
}
