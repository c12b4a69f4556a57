// The config file ($RATCHET_HOME/config.json): schema, loading and diagnostics. A bad entry is
// reported with the file, the key and a fix; nothing is guessed.
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ModelCompat, ModelPricing } from "../models/types.js";
import { type PolicyRule, ruleProblems } from "../policy/rules.js";
import { userError } from "../util/errors.js";
import { type JsonSchema, validate } from "../util/json-schema.js";

/** Contents of config.json. Every key is optional. */
export interface RatchetConfig {
  /** Primary model, "provider/model". */
  model?: string;
  /** Tried in order when the primary model keeps failing. */
  fallbackModels?: string[];
  /** Extra HTTP headers sent to every model server. */
  headers?: Record<string, string>;
  providers?: Record<string, ProviderConfig>;
  /** Per-model settings keyed by "provider/model". */
  models?: Record<string, ModelConfig>;
  limits?: { maxSteps?: number; maxTokens?: number; maxCost?: number; maxWallSeconds?: number };
  retry?: { maxRetries?: number; baseDelayMs?: number; maxDelayMs?: number };
  exec?: { timeoutSeconds?: number; maxOutputBytes?: number };
  sandbox?: SandboxConfig;
  policy?: PolicyConfig;
  memory?: MemoryConfig;
  /** The always-on daemon (`ratchet daemon`). */
  daemon?: { maxConcurrentRuns?: number; port?: number; workspace?: string };
  /** `cli.useDaemon`: `ratchet run` sends tasks through a running daemon (default false). */
  cli?: { useDaemon?: boolean };
  /** Chat channels the daemon serves (Telegram, generic webhooks). */
  channels?: ChannelsConfig;
}

/** Channels: each conversation gets its own session; unknown senders pair first or are allowlisted. */
export interface ChannelsConfig {
  telegram?: {
    /** Env var holding the bot token (default TELEGRAM_BOT_TOKEN). */
    botTokenEnv?: string;
    /** The token itself; prefer botTokenEnv so the file holds no secret. */
    botToken?: string;
    /** Bot API base URL (default https://api.telegram.org). */
    apiBase?: string;
    /** Telegram user ids allowed without pairing. */
    allowFrom?: (string | number)[];
    /** Long-poll timeout of getUpdates (default 25). */
    pollTimeoutSec?: number;
    /** Workspace of Telegram conversations (default: the daemon's). */
    workspace?: string;
  };
  /** Generic webhooks by name: in at POST /hooks/<name>, replies out to replyUrl. */
  webhooks?: Record<string, WebhookConfig>;
}

/** One generic webhook: requests are signed with the secret (HMAC-SHA256), as are replies. */
export interface WebhookConfig {
  /** Env var holding the shared secret. */
  secretEnv: string;
  /** Senders allowed without pairing. */
  allowFrom?: string[];
  /** Where replies are POSTed (signed, with Idempotency-Key). */
  replyUrl?: string;
  workspace?: string;
}

/** The command sandbox (bubblewrap). On by default; "off" runs commands on the host, each one approved. */
export interface SandboxConfig {
  mode?: "bwrap" | "off";
  /** Domains commands may reach through the host-side proxy (e.g. "registry.npmjs.org", "*.github.com"). */
  network?: { allow?: string[] };
  /** Host paths made visible read-only inside (e.g. a toolchain under the hidden home). */
  exposeReadOnly?: string[];
  limits?: {
    cpuSeconds?: number;
    addressSpaceBytes?: number;
    processes?: number;
    fileSizeBytes?: number;
    memoryBytes?: number;
  };
}

/** Long-term memory: search and write tools, the index, and compaction. */
export interface MemoryConfig {
  /** Default true; false offers no memory tools and never compacts. */
  enabled?: boolean;
  /** Index this workspace's session transcripts as episodic memory (default true). */
  sessions?: boolean;
  /** An OpenAI-compatible /v1/embeddings endpoint for hybrid lexical + vector search. */
  embeddings?: { baseUrl: string; model: string; apiKey?: string; apiKeyEnv?: string; weight?: number };
  /** Compact at `threshold` × the model's contextWindow (default 0.75), keeping `keepRecentTokens` verbatim. */
  compaction?: { enabled?: boolean; threshold?: number; keepRecentTokens?: number };
}

/** Tool policy: rules, how approvals are asked, and whether the workspace's own instructions are trusted. */
export interface PolicyConfig {
  /** Evaluated all together; deny > ask > allow. */
  rules?: PolicyRule[];
  /** "prompt" (default): ask the owner when one is at hand, else hold; "deny": refuse without asking. */
  approvals?: "prompt" | "deny";
  /** Count the workspace's AGENTS.md and skills as the owner's words (default false: as file content). */
  trustWorkspace?: boolean;
}

export interface ProviderConfig {
  api?: "openai-completions" | "anthropic-messages";
  baseUrl?: string;
  apiKey?: string;
  /** Name of the env var holding the key. */
  apiKeyEnv?: string;
  headers?: Record<string, string>;
  compat?: ModelCompat;
}

export interface ModelConfig {
  contextWindow?: number;
  maxOutputTokens?: number;
  temperature?: number;
  pricing?: ModelPricing;
  compat?: ModelCompat;
}

const obj = (properties: Record<string, JsonSchema>): JsonSchema => ({
  type: "object",
  properties,
  additionalProperties: false,
});
const strings: JsonSchema = { type: "object", additionalProperties: { type: "string" } };
const nonNegative: JsonSchema = { type: "number", minimum: 0 };
const positiveInt: JsonSchema = { type: "integer", minimum: 1 };
const modelRef: JsonSchema = { type: "string", pattern: "^[^/\\s]+/\\S+$" };
const httpUrl: JsonSchema = { type: "string", pattern: "^https?://" };
const envName: JsonSchema = { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" };
const compat = obj({
  textToolCalls: { type: "boolean" },
  maxCompletionTokensField: { type: "boolean" },
  streamUsage: { type: "boolean" },
  extraBody: { type: "object" },
  tokenIds: { type: "boolean" },
});
const pricing: JsonSchema = {
  ...obj({ input: nonNegative, output: nonNegative, cacheRead: nonNegative, cacheWrite: nonNegative }),
  required: ["input", "output"],
};

/** JSON Schema of config.json. Unknown keys are errors: a typo must not pass silently. */
export const CONFIG_SCHEMA: JsonSchema = obj({
  model: modelRef,
  fallbackModels: { type: "array", items: modelRef },
  headers: strings,
  providers: {
    type: "object",
    additionalProperties: obj({
      api: { enum: ["openai-completions", "anthropic-messages"] },
      baseUrl: httpUrl,
      apiKey: { type: "string" },
      apiKeyEnv: { type: "string" },
      headers: strings,
      compat,
    }),
  },
  models: {
    type: "object",
    additionalProperties: obj({
      contextWindow: positiveInt,
      maxOutputTokens: positiveInt,
      temperature: { type: "number", minimum: 0, maximum: 2 },
      pricing,
      compat,
    }),
  },
  limits: obj({
    maxSteps: positiveInt,
    maxTokens: positiveInt,
    maxCost: { type: "number", exclusiveMinimum: 0 },
    maxWallSeconds: { type: "number", exclusiveMinimum: 0 },
  }),
  retry: obj({
    maxRetries: { type: "integer", minimum: 0, maximum: 20 },
    baseDelayMs: { type: "integer", minimum: 0 },
    maxDelayMs: { type: "integer", minimum: 0 },
  }),
  exec: obj({
    timeoutSeconds: { type: "number", exclusiveMinimum: 0, maximum: 1800 },
    maxOutputBytes: { type: "integer", minimum: 1000 },
  }),
  policy: obj({
    rules: {
      type: "array",
      items: {
        ...obj({
          tool: { type: "string", minLength: 1 },
          args: strings,
          action: { enum: ["allow", "ask", "deny"] },
          reason: { type: "string" },
        }),
        required: ["tool", "action"],
      },
    },
    approvals: { enum: ["prompt", "deny"] },
    trustWorkspace: { type: "boolean" },
  }),
  daemon: obj({
    maxConcurrentRuns: { type: "integer", minimum: 1, maximum: 256 },
    port: { type: "integer", minimum: 1, maximum: 65535 },
    workspace: { type: "string", minLength: 1 },
  }),
  cli: obj({ useDaemon: { type: "boolean" } }),
  channels: obj({
    telegram: obj({
      botTokenEnv: envName,
      botToken: { type: "string", minLength: 1 },
      apiBase: httpUrl,
      // User ids; a "@username" would never match (names change hands), so it is refused.
      allowFrom: { type: "array", items: { type: ["string", "integer"], pattern: "^[0-9]+$" } },
      pollTimeoutSec: { type: "integer", minimum: 1, maximum: 50 },
      workspace: { type: "string", minLength: 1 },
    }),
    webhooks: {
      type: "object",
      propertyNames: { pattern: "^[A-Za-z0-9_-]{1,64}$" },
      additionalProperties: {
        ...obj({
          secretEnv: envName,
          allowFrom: { type: "array", items: { type: "string", minLength: 1 } },
          replyUrl: httpUrl,
          workspace: { type: "string", minLength: 1 },
        }),
        required: ["secretEnv"],
      },
    },
  }),
  sandbox: obj({
    mode: { enum: ["bwrap", "off"] },
    network: obj({ allow: { type: "array", items: { type: "string", pattern: "^[A-Za-z0-9*.-]+$" } } }),
    exposeReadOnly: { type: "array", items: { type: "string", pattern: "^/" } },
    limits: obj({
      cpuSeconds: positiveInt,
      addressSpaceBytes: positiveInt,
      processes: positiveInt,
      fileSizeBytes: positiveInt,
      memoryBytes: positiveInt,
    }),
  }),
  memory: obj({
    enabled: { type: "boolean" },
    sessions: { type: "boolean" },
    embeddings: {
      ...obj({
        baseUrl: httpUrl,
        model: { type: "string", minLength: 1 },
        apiKey: { type: "string" },
        apiKeyEnv: { type: "string" },
        weight: { type: "number", minimum: 0, maximum: 10 },
      }),
      required: ["baseUrl", "model"],
    },
    compaction: obj({
      enabled: { type: "boolean" },
      threshold: { type: "number", exclusiveMinimum: 0, maximum: 1 },
      keepRecentTokens: positiveInt,
    }),
  }),
});

/** Where Ratchet keeps its state: $RATCHET_HOME, default ~/.ratchet. */
export function ratchetHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.RATCHET_HOME && env.RATCHET_HOME.trim() !== ""
    ? path.resolve(env.RATCHET_HOME)
    : path.join(os.homedir(), ".ratchet");
}

export function configPath(home: string): string {
  return path.join(home, "config.json");
}

/** Loads and validates config.json; a missing file is an empty config. Throws a user error naming file, key and fix. */
export function loadConfig(home: string): RatchetConfig {
  const file = configPath(home);
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw userError(
      "config_invalid",
      `${file}: not valid JSON (${(err as Error).message}). Fix the syntax, or move the file away to start from defaults.`,
    );
  }
  return validateConfig(raw, file);
}

/** Validates parsed config; `file` is used in the diagnostics. */
export function validateConfig(raw: unknown, file: string): RatchetConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw userError(
      "config_invalid",
      `${file}: must hold one JSON object, like {"model": "openai/gpt-4o-mini"}.`,
    );
  }
  const problems = validate(CONFIG_SCHEMA, raw);
  if (problems.length === 0) problems.push(...ruleProblems((raw as RatchetConfig).policy?.rules ?? []));
  if (problems.length === 0) return raw as RatchetConfig;
  const lines = problems.slice(0, 5).map((p) => `  - ${describe(p.path, p.message, raw)}`);
  throw userError("config_invalid", `${file}: invalid configuration\n${lines.join("\n")}`);
}

function describe(key: string, message: string, raw: unknown): string {
  const name = key || "(top level)";
  if (message.startsWith("unknown key"))
    return `${name}: unknown key. Fix: remove it or check its spelling (README, "Configuration").`;
  const value = key
    .split(".")
    .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], raw);
  const got = value === undefined ? "" : ` (got ${JSON.stringify(value)})`;
  if (message.includes("^https?://"))
    return `${name}: not an http(s) URL${got}. Fix: use a value like "http://127.0.0.1:8000/v1".`;
  if (message.includes("pattern ^[^/"))
    return `${name}: not "provider/model"${got}. Fix: use a value like "openai/gpt-4o-mini".`;
  return `${name}: ${message}${got}. Fix: correct the value or remove the key.`;
}
