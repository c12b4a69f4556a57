// The policy as loop hooks. Before a call: rules (deny > ask > allow), then provenance — a call with
// consequential effects in a tainted context must have its destinations proven trusted, or be
// approved by the owner — then approvals bound to the call's hash. After a call: the result's
// origin is settled (file, web, or the agent's own) and secrets are redacted before the model
// reads it. Refusals reach the model as an error result: "Denied: policy rule #2: …", "Denied: the
// owner refused this call (…)" or "Denied: held for approval: … — <how to get it approved>".
import type { ToolGate } from "../loop/agent-loop.js";
import type { AnyTool, Effect } from "../loop/tool.js";
import type { Message, Origin, ToolCallBlock, ToolResultMessage } from "../models/types.js";
import {
  type ApprovalLedger,
  type ApprovalRequest,
  type Approver,
  callHash,
  NEEDS_APPROVAL,
  nonInteractiveApprover,
} from "./approvals.js";
import { type CallRisk, callRisk } from "./call-risk.js";
import { describeTokens, type ProofToken, unprovenTokens } from "./proof.js";
import { analyzeHistory, type HistoryView, resultOrigin } from "./provenance.js";
import { createRedactor, type Redactor } from "./redact.js";
import { compileRules, type PolicyAction, type PolicyRule, strongest } from "./rules.js";

/** How asks are answered: by the approver ("prompt"), or refused outright ("deny"). */
export type ApprovalMode = "prompt" | "deny";

/** Everything the policy needs for one run. */
export interface ToolPolicyOptions {
  /** The run's tools, for their declared effects. */
  tools: readonly AnyTool[];
  rules?: readonly PolicyRule[];
  approvals?: ApprovalMode;
  /** Default: the non-interactive approver (held calls are refused and recorded). */
  approver?: Approver;
  ledger?: ApprovalLedger;
  sessionId?: string;
  redactor?: Redactor;
  /** Absolute workspace root, for reading paths in commands. */
  root?: string;
  /** Owner-written text outside the messages that counts as proof (e.g. the base system prompt). */
  trustedText?: readonly string[];
  /** Untrusted content already in the prompt (e.g. "file" for a workspace AGENTS.md). */
  initialTaint?: readonly Origin[];
  /** What the model is told to do about a held call; default NEEDS_APPROVAL. */
  holdHint?: (hash: string) => string;
  /** Called with every decision, for logs and UIs. */
  onDecision?: (call: ToolCallBlock, decision: PolicyDecision) => void;
}

/** The verdict on a call before approvals. */
export interface PolicyDecision {
  action: PolicyAction;
  reason: string;
  effects: Effect[];
  /** Values that could not be proven trusted (empty unless provenance asked). */
  unproven: ProofToken[];
}

/** The hooks for LoopConfig, plus `decide` for tests and dry runs. */
export interface ToolPolicy {
  decide(call: ToolCallBlock, messages: readonly Message[]): PolicyDecision;
  beforeToolCall(call: ToolCallBlock, messages: readonly Message[]): Promise<ToolGate>;
  afterToolCall(call: ToolCallBlock, result: ToolResultMessage): Promise<ToolResultMessage>;
}

const EFFECT_WORDS: Record<Effect, string> = {
  network: "uses the network",
  message_third_party: "messages a third party",
  write_outside_workspace: "writes outside the workspace",
  install_skill: "installs a skill",
  change_config: "changes agent or repository configuration",
};

/** Builds the policy for one run. Granted approvals live as long as this object (one run). */
export function createToolPolicy(opts: ToolPolicyOptions): ToolPolicy {
  const tools = new Map(opts.tools.map((t) => [t.name, t]));
  const rules = compileRules(opts.rules ?? []);
  const redactor = opts.redactor ?? createRedactor([]);
  const approver = opts.approver ?? nonInteractiveApprover;
  const granted = new Set<string>();
  const refused = new Set<string>();
  // What beforeToolCall learned about the call in flight; afterToolCall reads it (calls are sequential).
  const inFlight = new Map<string, { view: HistoryView; risk: CallRisk; ran: boolean }>();

  const evaluate = (call: ToolCallBlock, messages: readonly Message[]) => {
    const view = analyzeHistory(messages, { trustedText: opts.trustedText, initialTaint: opts.initialTaint });
    const risk = callRisk(tools.get(call.name), call.arguments, { root: opts.root, scripts: view.written });
    return { view, risk, decision: judge(call, view, risk) };
  };

  const judge = (call: ToolCallBlock, view: HistoryView, risk: CallRisk): PolicyDecision => {
    const { effects } = risk;
    const matches = rules.match(call);
    const top = strongest(matches);
    const because = (r: PolicyRule) => (r.reason ? `: ${r.reason}` : "");
    if (top?.rule.action === "deny")
      return {
        action: "deny",
        reason: `policy rule #${top.index}${because(top.rule)}`,
        effects,
        unproven: [],
      };
    if (top?.rule.action === "ask")
      return {
        action: "ask",
        reason: `policy rule #${top.index} asks${because(top.rule)}`,
        effects,
        unproven: [],
      };
    const allow = (reason: string): PolicyDecision => ({ action: "allow", reason, effects, unproven: [] });
    if (effects.length === 0) return allow("no consequential effect");
    if (!view.tainted) return allow("no untrusted content in the context");
    // An allow rule that pins argument patterns is the owner's proof; a bare one does not waive taint.
    const pinned = matches.find(
      (m) => m.rule.action === "allow" && Object.keys(m.rule.args ?? {}).length > 0,
    );
    if (pinned) return allow(`policy rule #${pinned.index}`);
    const what = effects.map((e) => EFFECT_WORDS[e]).join(", ");
    const from = view.sources.join(", ");
    if (!risk.provable)
      return {
        action: "ask",
        reason: `${call.name} ${what}, and ${from} content is in the context; its arguments cannot be traced to the owner`,
        effects,
        unproven: [],
      };
    const unproven = unprovenTokens(risk.tokens, view.trustedText);
    if (unproven.length === 0) return allow("arguments proven by the owner's messages");
    return {
      action: "ask",
      reason: `${call.name} ${what}, and ${from} content is in the context; not from the owner's messages: ${describeTokens(unproven)}`,
      effects,
      unproven,
    };
  };

  const ask = async (call: ToolCallBlock, reason: string): Promise<ToolGate> => {
    const hash = callHash(call.name, call.arguments);
    if (granted.has(hash)) return undefined;
    if (refused.has(hash)) return { deny: "the owner refused this exact call earlier in this run" };
    if (opts.approvals === "deny")
      return { deny: `${reason}; approvals are off (policy.approvals is "deny")` };
    const earlier = opts.ledger?.take(hash);
    if (earlier === "approve") {
      granted.add(hash);
      return undefined;
    }
    if (earlier === "deny") {
      refused.add(hash);
      return { deny: "the owner refused this call" };
    }
    const req: ApprovalRequest = {
      hash,
      tool: call.name,
      arguments: redactor.deep(call.arguments),
      reason: redactor.text(reason),
    };
    if (approver.interactive === false) {
      opts.ledger?.hold(req, opts.sessionId);
      if ((await approver.request(req).catch(() => "deny" as const)) === "approve") return undefined;
      return { deny: `held for approval: ${reason} — ${opts.holdHint?.(hash) ?? NEEDS_APPROVAL}` };
    }
    const answer = await approver.request(req).catch(() => "deny" as const);
    if (answer === "approve") {
      granted.add(hash);
      return undefined;
    }
    refused.add(hash);
    return { deny: `the owner refused this call (${reason})` };
  };

  return {
    decide: (call, messages) => evaluate(call, messages).decision,
    async beforeToolCall(call, messages) {
      const { view, risk, decision } = evaluate(call, messages);
      opts.onDecision?.(call, decision);
      const entry = { view, risk, ran: false };
      inFlight.set(call.id, entry);
      let gate: ToolGate;
      if (decision.action === "deny") gate = { deny: decision.reason };
      else if (decision.action === "ask") gate = await ask(call, decision.reason);
      entry.ran = gate === undefined;
      return gate;
    },
    async afterToolCall(call, result) {
      const entry = inFlight.get(call.id);
      inFlight.delete(call.id);
      const origin = resultOrigin(call, result, {
        ran: entry?.ran ?? false,
        ...(entry ? { view: entry.view, network: entry.risk.network } : {}),
      });
      return { ...result, content: redactor.text(result.content), origin };
    },
  };
}
