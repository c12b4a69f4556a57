// Per-agent tool rules from config: allow / ask / deny on a tool name and argument patterns.
// Every matching rule is considered and the strongest action wins (deny > ask > allow), so the
// order of rules never matters. Patterns are globs (`*` any text, `?` one character, anchored)
// or `/regex/flags` (unanchored, as regexes are), matched against the argument as a string.
// Deny rules on command text are a convenience, not a boundary: `rm -rf` can be spelt many ways.

/** What to do with a call. */
export type PolicyAction = "allow" | "ask" | "deny";

/** One rule of `policy.rules` in config.json. */
export interface PolicyRule {
  /** Tool name glob, e.g. "exec" or "*". */
  tool: string;
  /** Argument name → glob or /regex/ against the argument (strings as is, other values as JSON). */
  args?: Record<string, string>;
  action: PolicyAction;
  /** Shown to the model (and the owner) when the rule denies or asks. */
  reason?: string;
}

/** A rule that matched, with its 1-based position for messages. */
export interface RuleMatch {
  rule: PolicyRule;
  index: number;
}

const STRENGTH: Record<PolicyAction, number> = { allow: 0, ask: 1, deny: 2 };

/** Compiles a glob or /regex/flags pattern; throws SyntaxError for a bad regex. */
export function compilePattern(pattern: string): (value: string) => boolean {
  const re = /^\/([\s\S]*)\/([dgimsuvy]*)$/.exec(pattern);
  if (re) {
    const regex = new RegExp(re[1], re[2].replace(/[gy]/g, ""));
    return (v) => regex.test(v);
  }
  const body = pattern
    .split("")
    .map((ch) =>
      ch === "*" ? "[\\s\\S]*" : ch === "?" ? "[\\s\\S]" : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&"),
    )
    .join("");
  const glob = new RegExp(`^${body}$`);
  return (v) => glob.test(v);
}

/** An argument as rules see it: strings as they are, anything else as JSON. */
export function argText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Problems with rules that the schema cannot see (bad regexes), as dotted key paths. */
export function ruleProblems(
  rules: readonly PolicyRule[],
  prefix = "policy.rules",
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  rules.forEach((r, i) => {
    const check = (pattern: string, path: string) => {
      try {
        compilePattern(pattern);
      } catch (err) {
        problems.push({ path, message: `not a valid regular expression (${(err as Error).message})` });
      }
    };
    check(r.tool, `${prefix}.${i}.tool`);
    for (const [k, p] of Object.entries(r.args ?? {})) check(p, `${prefix}.${i}.args.${k}`);
  });
  return problems;
}

/** Compiled rules: `match` returns every rule that applies to a call. */
export interface RuleSet {
  match(call: { name: string; arguments: Record<string, unknown> }): RuleMatch[];
}

/** Compiles rules once (bad patterns throw; config validation reports them first). */
export function compileRules(rules: readonly PolicyRule[]): RuleSet {
  const compiled = rules.map((rule, i) => ({
    rule,
    index: i + 1,
    tool: compilePattern(rule.tool),
    args: Object.entries(rule.args ?? {}).map(([k, p]) => [k, compilePattern(p)] as const),
  }));
  return {
    match(call) {
      return compiled
        .filter(
          (c) =>
            c.tool(call.name) &&
            c.args.every(([k, test]) => call.arguments[k] !== undefined && test(argText(call.arguments[k]))),
        )
        .map(({ rule, index }) => ({ rule, index }));
    },
  };
}

/** The strongest of the matches (deny > ask > allow; earlier rule on ties), or undefined. */
export function strongest(matches: readonly RuleMatch[]): RuleMatch | undefined {
  let best: RuleMatch | undefined;
  for (const m of matches) if (!best || STRENGTH[m.rule.action] > STRENGTH[best.rule.action]) best = m;
  return best;
}
