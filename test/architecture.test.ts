// Imports point one way: util → models → loop → tools → sandbox → policy → memory → runtime → cli, gateway, env.
// A file may import from its own layer or lower ones only; testkit (scripted model servers)
// sits beside models.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ROOT } from "./support/cli.js";

const LAYERS = ["util", "models", "loop", "tools", "sandbox", "policy", "memory", "runtime", "cli"];
// gateway and env rank with cli: they may import runtime and below, never cli or each other (cli
// lazy-imports gateway for `daemon` and env for `env`).
const GATEWAY_RANK = LAYERS.indexOf("cli");
const RANK: Record<string, number> = {
  ...Object.fromEntries(LAYERS.map((l, i) => [l, i])),
  testkit: 1,
  gateway: GATEWAY_RANK,
  env: GATEWAY_RANK,
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith(".ts") ? [path.join(dir, d.name)] : [],
  );
}

test("imports point one way between layers", () => {
  const src = path.join(ROOT, "src");
  const violations: string[] = [];
  for (const file of files(src)) {
    const layer = path.relative(src, file).split(path.sep)[0];
    assert.ok(layer in RANK, `${file}: unknown layer "${layer}" — add it to LAYERS`);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from|import\(?)\s*["'](\.[^"']+)["']/g)) {
      const target = path.relative(src, path.resolve(path.dirname(file), m[1])).split(path.sep)[0];
      if (target === layer || !(target in RANK)) continue;
      if (layer === "testkit" && target !== "util" && target !== "models")
        violations.push(`${file} → ${m[1]}`);
      else if ((layer === "gateway" || layer === "env") && RANK[target] === GATEWAY_RANK)
        violations.push(`${path.relative(src, file)} imports ${m[1]} (${layer} → ${target})`);
      else if (RANK[target] > RANK[layer])
        violations.push(`${path.relative(src, file)} imports ${m[1]} (${layer} → ${target})`);
    }
  }
  assert.deepEqual(violations, []);
});

test("the models layer keeps wire payloads to itself: nothing above imports a provider file directly", () => {
  const src = path.join(ROOT, "src");
  const offenders = files(src)
    .filter(
      (f) => !f.includes(`${path.sep}models${path.sep}`) && !f.includes(`${path.sep}testkit${path.sep}`),
    )
    .filter((f) =>
      /models\/(openai-completions|anthropic-messages|wire-[a-z]+)\.js/.test(readFileSync(f, "utf8")),
    );
  assert.deepEqual(offenders, []);
});
