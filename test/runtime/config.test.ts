import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../src/runtime/config.js";
import { missingCredential, resolveModels } from "../../src/runtime/resolve-model.js";

function home(config?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ratchet-cfg-"));
  if (config !== undefined) writeFileSync(path.join(dir, "config.json"), config);
  return dir;
}

test("a missing config file is an empty config", () => {
  assert.deepEqual(loadConfig(home()), {});
});

test("invalid JSON names the file and says how to fix it", () => {
  const h = home("{ model: ");
  assert.throws(
    () => loadConfig(h),
    (e: Error) => e.message.includes(path.join(h, "config.json")) && /not valid JSON/.test(e.message),
  );
});

test("bad keys and values are reported with key path and fix", () => {
  const h = home(
    JSON.stringify({
      modle: "x/y",
      limits: { maxSteps: "ten" },
      providers: { local: { baseUrl: "localhost:8000" } },
    }),
  );
  assert.throws(
    () => loadConfig(h),
    (e: Error) =>
      /modle: unknown key\. Fix: remove it/.test(e.message) &&
      /limits\.maxSteps: .*integer.*\(got "ten"\)\. Fix/.test(e.message) &&
      /providers\.local\.baseUrl: not an http\(s\) URL/.test(e.message),
  );
});

test("model precedence: flag > RATCHET_MODEL > config; base URL: flag > env > config > default", () => {
  const config = { model: "openai/from-config", providers: { openai: { baseUrl: "http://config:1/v1" } } };
  const env = {
    RATCHET_MODEL: "openai/from-env",
    OPENAI_BASE_URL: "http://env:2/v1",
    OPENAI_API_KEY: "sk-test",
  };
  assert.equal(resolveModels(config, env, { model: "openai/from-flag" }).primary.id, "from-flag");
  const fromEnv = resolveModels(config, env).primary;
  assert.equal(fromEnv.id, "from-env");
  assert.equal(fromEnv.baseUrl, "http://env:2/v1");
  assert.equal(fromEnv.apiKey, "sk-test");
  assert.equal(
    resolveModels(config, env, { baseUrl: "http://flag:3/v1/" }).primary.baseUrl,
    "http://flag:3/v1",
  );
  assert.equal(resolveModels(config, {}).primary.baseUrl, "http://config:1/v1");
  assert.equal(
    resolveModels({}, { RATCHET_MODEL: "anthropic/claude" }).primary.baseUrl,
    "https://api.anthropic.com",
  );
});

test("model ids may contain slashes (OpenRouter style); fallbacks resolve too", () => {
  const { primary, fallbacks } = resolveModels(
    { fallbackModels: ["anthropic/claude-x", "openrouter/meta/llama"] },
    {},
    { model: "openrouter/meta/llama" },
  );
  assert.equal(primary.provider, "openrouter");
  assert.equal(primary.id, "meta/llama");
  assert.deepEqual(
    fallbacks.map((f) => f.id),
    ["claude-x"],
  );
});

test("no model configured names the flags and env vars", () => {
  assert.throws(
    () => resolveModels({}, {}),
    (e: Error) =>
      /--model/.test(e.message) && /RATCHET_MODEL/.test(e.message) && /OPENAI_API_KEY/.test(e.message),
  );
});

test("unknown providers need a base URL; missing keys are detected for hosted APIs only", () => {
  assert.throws(() => resolveModels({}, {}, { model: "acme/m" }), /Unknown provider "acme"/);
  assert.equal(
    resolveModels({}, {}, { model: "acme/m", baseUrl: "http://127.0.0.1:9/v1" }).primary.api,
    "openai-completions",
  );
  const hosted = resolveModels({}, {}, { model: "openai/gpt" }).primary;
  assert.match(missingCredential(hosted, {}) ?? "", /OPENAI_API_KEY/);
  const local = resolveModels({}, {}, { model: "openai/gpt", baseUrl: "http://127.0.0.1:9/v1" }).primary;
  assert.equal(missingCredential(local, {}), undefined);
});
