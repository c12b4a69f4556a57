// The consequential effects of one tool call, and the values in it that must be proven to come from
// trusted origins. The built-in tools are understood by their argument shapes (exec's command,
// write/edit's path and text); any other tool declares its effects and is read generically.
import type { AnyTool, Effect } from "../loop/tool.js";
import { normalizeRelPath, pathEffects, skillNameOf } from "../tools/sensitive-paths.js";
import { analyzeCommand } from "./command-analysis.js";
import { type ProofToken, textTokens, uniqueTokens } from "./proof.js";

/** What a call would do and what must be proven before it may under taint. */
export interface CallRisk {
  effects: Effect[];
  tokens: ProofToken[];
  /**
   * False when the call's destinations cannot be read from its arguments (a tool we do not know,
   * with no URL, address or recipient in them): then no proof is possible and taint means asking.
   */
  provable: boolean;
  /** For exec: whether the command uses the network (its output is then web content). */
  network: boolean;
}

/** Argument names that hold who or where a message or request goes. */
const RECIPIENT_KEYS = new Set([
  "to",
  "cc",
  "bcc",
  "recipient",
  "recipients",
  "chat",
  "chatid",
  "chat_id",
  "channel",
  "user",
  "address",
  "email",
  "url",
  "host",
  "target",
  "remote",
  "webhook",
]);

/**
 * Effects and proof tokens of calling `tool` with `args`. `root` is the workspace root; `scripts`
 * holds what the agent wrote this session (path → text), so running a script it wrote is read too.
 */
export function callRisk(
  tool: AnyTool | undefined,
  args: Record<string, unknown>,
  ctx: { root?: string; scripts?: ReadonlyMap<string, string> } = {},
): CallRisk {
  const effects = new Set<Effect>();
  let declaredFailed = false;
  try {
    for (const e of tool?.effects?.(args) ?? []) effects.add(e);
  } catch {
    declaredFailed = true; // a tool that cannot say what it does is treated as doing something
  }
  const name = tool?.name ?? "";
  if (name === "exec" && typeof args.command === "string") {
    const a = analyzeCommand(args.command, ctx);
    for (const e of a.effects) effects.add(e);
    return {
      effects: [...effects],
      tokens: a.tokens,
      provable: !declaredFailed && !a.opaque,
      network: a.network,
    };
  }
  if ((name === "write" || name === "edit") && typeof args.path === "string") {
    const rel = normalizeRelPath(args.path);
    const skill = skillNameOf(rel);
    for (const e of pathEffects(rel)) effects.add(e); // even if a replacement tool declares nothing
    const text =
      typeof args.content === "string"
        ? args.content
        : typeof args.new_text === "string"
          ? args.new_text
          : "";
    const tokens: ProofToken[] = [
      { kind: "path", value: rel, alts: skill ? [skill] : [] },
      ...textTokens(text),
    ];
    return { effects: [...effects], tokens: uniqueTokens(tokens), provable: !declaredFailed, network: false };
  }
  const tokens: ProofToken[] = [];
  const visit = (key: string, v: unknown) => {
    if (typeof v === "string") {
      tokens.push(...textTokens(v));
      if (RECIPIENT_KEYS.has(key.toLowerCase())) tokens.push({ kind: "recipient", value: v });
    } else if (Array.isArray(v)) for (const x of v) visit(key, x);
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) visit(k, x);
  };
  for (const [k, v] of Object.entries(args)) visit(k, v);
  if (declaredFailed) effects.add("network");
  return {
    effects: [...effects],
    tokens: uniqueTokens(tokens),
    provable: tokens.length > 0 && !declaredFailed,
    network: effects.has("network"),
  };
}
