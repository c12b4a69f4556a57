// The policy layer: tool rules, provenance (taint) tracking, approvals and secret redaction,
// delivered to the loop as before/after tool-call hooks. It knows no storage and no terminal:
// approvers and ledgers are interfaces that the runtime and the CLI implement.
export {
  type ApprovalDecision,
  type ApprovalLedger,
  type ApprovalRequest,
  type Approver,
  callHash,
  canonicalJson,
  memoryLedger,
  NEEDS_APPROVAL,
  nonInteractiveApprover,
} from "./approvals.js";
export { type CallRisk, callRisk } from "./call-risk.js";
export { analyzeCommand, type CommandAnalysis } from "./command-analysis.js";
export { appearsIn, type ProofToken, unprovenTokens } from "./proof.js";
export { analyzeHistory, type HistoryView, messageOrigin, UNTRUSTED_ORIGINS } from "./provenance.js";
export { createRedactor, type Redactor, SECRET_NAME, type Secret, secretsFromEnv } from "./redact.js";
export { compilePattern, type PolicyAction, type PolicyRule, ruleProblems } from "./rules.js";
export {
  type ApprovalMode,
  createToolPolicy,
  type PolicyDecision,
  type ToolPolicy,
  type ToolPolicyOptions,
} from "./tool-policy.js";
