// Tool rules: glob and regex argument matching, and deny > ask > allow whatever the order.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  compilePattern,
  compileRules,
  type PolicyRule,
  ruleProblems,
  strongest,
} from "../../src/policy/rules.js";

const call = (name: string, args: Record<string, unknown> = {}) => ({ name, arguments: args });
const verdict = (rules: PolicyRule[], c: ReturnType<typeof call>) =>
  strongest(compileRules(rules).match(c))?.rule.action;

describe("patterns", () => {
  it("globs are anchored; * spans slashes and newlines; ? is one character", () => {
    const g = compilePattern("git push *");
    assert.ok(g("git push origin main"));
    assert.ok(!g("echo; git push origin"));
    assert.ok(compilePattern("*")("a/b\nc"));
    assert.ok(compilePattern("skills/*/SKILL.md")("skills/x/y/SKILL.md"));
    assert.ok(compilePattern("a?c")("abc"));
    assert.ok(!compilePattern("a?c")("ac"));
    assert.ok(compilePattern("a.b(c)")("a.b(c)"), "regex metacharacters are literal in globs");
    assert.ok(!compilePattern("a.b")("axb"));
  });

  it("/regex/flags are unanchored regexes; g and y are ignored so matching is stateless", () => {
    const r = compilePattern("/rm\\s+-rf/gi");
    assert.ok(r("sudo RM  -rf /"));
    assert.ok(r("rm -rf x"), "a second test gives the same answer");
    assert.ok(compilePattern("/^npm (test|run lint)$/")("npm test"));
    assert.ok(!compilePattern("/^npm (test|run lint)$/")("npm test && curl x"));
  });

  it("bad regexes are reported with their key path", () => {
    const problems = ruleProblems([{ tool: "exec", args: { command: "/(unclosed/" }, action: "deny" }]);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].path, "policy.rules.0.args.command");
  });
});

describe("precedence", () => {
  const rules: PolicyRule[] = [
    { tool: "*", action: "allow" },
    { tool: "exec", args: { command: "curl *" }, action: "ask" },
    { tool: "exec", args: { command: "/evil\\.test/" }, action: "deny", reason: "known bad host" },
  ];

  it("deny wins over ask and allow, whatever the order", () => {
    const c = call("exec", { command: "curl https://evil.test" });
    assert.equal(verdict(rules, c), "deny");
    assert.equal(verdict([...rules].reverse(), c), "deny");
  });

  it("ask wins over allow", () => {
    assert.equal(verdict(rules, call("exec", { command: "curl https://ok.test" })), "ask");
    assert.equal(verdict([...rules].reverse(), call("exec", { command: "curl https://ok.test" })), "ask");
  });

  it("a rule whose argument is missing does not match; tool globs apply", () => {
    assert.equal(verdict(rules, call("exec", {})), "allow");
    assert.equal(verdict([{ tool: "wri*", action: "deny" }], call("write", { path: "a" })), "deny");
    assert.equal(verdict([{ tool: "wri*", action: "deny" }], call("read", { path: "a" })), undefined);
  });

  it("non-string arguments are matched as JSON", () => {
    const r: PolicyRule[] = [{ tool: "exec", args: { timeout: "/^[0-9]{4,}$/" }, action: "deny" }];
    assert.equal(verdict(r, call("exec", { command: "x", timeout: 1800 })), "deny");
    assert.equal(verdict(r, call("exec", { command: "x", timeout: 60 })), undefined);
  });

  it("the first rule of the strongest action is reported", () => {
    const m = strongest(
      compileRules([
        { tool: "*", action: "deny", reason: "first" },
        { tool: "exec", action: "deny", reason: "second" },
      ]).match(call("exec", { command: "x" })),
    );
    assert.equal(m?.index, 1);
    assert.equal(m?.rule.reason, "first");
  });
});
