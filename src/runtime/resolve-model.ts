// Turns "provider/model" plus flags, environment and config into a ModelSpec. Provider
// differences are data in this table, not code.
import type { ModelSpec } from "../models/types.js";
import { userError } from "../util/errors.js";
import type { RatchetConfig } from "./config.js";

interface ProviderDefaults {
  api: ModelSpec["api"];
  baseUrl: string;
  /** Env var holding the base URL, overriding the default. */
  baseUrlEnv?: string;
  /** Env var holding the API key. */
  apiKeyEnv?: string;
  /** Whether a key is required (local servers usually need none). */
  needsKey: boolean;
}

/** Built-in providers. Any other OpenAI-compatible server is added under `providers` in config. */
export const BUILTIN_PROVIDERS: Record<string, ProviderDefaults> = {
  openai: {
    api: "openai-completions",
    baseUrl: "https://api.openai.com/v1",
    baseUrlEnv: "OPENAI_BASE_URL",
    apiKeyEnv: "OPENAI_API_KEY",
    needsKey: true,
  },
  anthropic: {
    api: "anthropic-messages",
    baseUrl: "https://api.anthropic.com",
    baseUrlEnv: "ANTHROPIC_BASE_URL",
    apiKeyEnv: "ANTHROPIC_API_KEY",
    needsKey: true,
  },
  openrouter: {
    api: "openai-completions",
    baseUrl: "https://openrouter.ai/api/v1",
    apiKeyEnv: "OPENROUTER_API_KEY",
    needsKey: true,
  },
  deepseek: {
    api: "openai-completions",
    baseUrl: "https://api.deepseek.com/v1",
    apiKeyEnv: "DEEPSEEK_API_KEY",
    needsKey: true,
  },
  moonshot: {
    api: "openai-completions",
    baseUrl: "https://api.moonshot.ai/v1",
    apiKeyEnv: "MOONSHOT_API_KEY",
    needsKey: true,
  },
  ollama: {
    api: "openai-completions",
    baseUrl: "http://127.0.0.1:11434/v1",
    baseUrlEnv: "OLLAMA_BASE_URL",
    needsKey: false,
  },
  vllm: {
    api: "openai-completions",
    baseUrl: "http://127.0.0.1:8000/v1",
    baseUrlEnv: "VLLM_BASE_URL",
    apiKeyEnv: "VLLM_API_KEY",
    needsKey: false,
  },
  sglang: {
    api: "openai-completions",
    baseUrl: "http://127.0.0.1:30000/v1",
    baseUrlEnv: "SGLANG_BASE_URL",
    apiKeyEnv: "SGLANG_API_KEY",
    needsKey: false,
  },
  llamacpp: {
    api: "openai-completions",
    baseUrl: "http://127.0.0.1:8080/v1",
    baseUrlEnv: "LLAMACPP_BASE_URL",
    needsKey: false,
  },
};

export interface ModelOverrides {
  /** --model */
  model?: string;
  /** --base-url: applies to the primary model only. */
  baseUrl?: string;
  /** --header: extra HTTP headers for every call of this run. */
  headers?: Record<string, string>;
  /** --token-ids: ask every model of this run for token ids and logprobs (compat.tokenIds). */
  tokenIds?: boolean;
}

const NO_MODEL_HELP =
  "No model configured. Pick one with --model provider/model (e.g. --model openai/gpt-4o-mini), " +
  'or set RATCHET_MODEL, or "model" in $RATCHET_HOME/config.json. Keys come from OPENAI_API_KEY / ' +
  "ANTHROPIC_API_KEY (or the provider's own variable); servers from --base-url, OPENAI_BASE_URL or ANTHROPIC_BASE_URL.";

/** The primary model's reference, or a user error that names the flags and env vars. */
export function primaryModelRef(
  config: RatchetConfig,
  env: NodeJS.ProcessEnv,
  overrides: ModelOverrides,
): string {
  const ref = overrides.model ?? env.RATCHET_MODEL ?? config.model;
  if (!ref || ref.trim() === "") throw userError("model_not_configured", NO_MODEL_HELP);
  return ref.trim();
}

/** Resolves the primary model and the fallback list. */
export function resolveModels(
  config: RatchetConfig,
  env: NodeJS.ProcessEnv,
  overrides: ModelOverrides = {},
): { primary: ModelSpec; fallbacks: ModelSpec[] } {
  const ref = primaryModelRef(config, env, overrides);
  const primary = resolveModel(ref, config, env, overrides.headers, overrides.baseUrl);
  const fallbacks = (config.fallbackModels ?? [])
    .filter((r) => r !== ref)
    .map((r) => resolveModel(r, config, env, overrides.headers));
  if (overrides.tokenIds) for (const m of [primary, ...fallbacks]) m.compat = { ...m.compat, tokenIds: true };
  return { primary, fallbacks };
}

/** Resolves one "provider/model" reference. Precedence: flag > env > config > built-in default. */
export function resolveModel(
  ref: string,
  config: RatchetConfig,
  env: NodeJS.ProcessEnv,
  headers?: Record<string, string>,
  baseUrlFlag?: string,
): ModelSpec {
  const slash = ref.indexOf("/");
  if (slash <= 0 || slash === ref.length - 1) {
    throw userError(
      "model_invalid",
      `Model "${ref}" is not "provider/model". Fix: use e.g. openai/gpt-4o-mini or anthropic/claude-sonnet-4-5.`,
    );
  }
  const provider = ref.slice(0, slash);
  const id = ref.slice(slash + 1);
  const builtin = BUILTIN_PROVIDERS[provider];
  const custom = config.providers?.[provider];
  if (!builtin && !custom?.baseUrl && !baseUrlFlag) {
    const known = Object.keys(BUILTIN_PROVIDERS).join(", ");
    throw userError(
      "provider_unknown",
      `Unknown provider "${provider}". Fix: use one of ${known}, pass --base-url for an OpenAI-compatible server, ` +
        `or add providers.${provider}.baseUrl to $RATCHET_HOME/config.json.`,
    );
  }
  const api = custom?.api ?? builtin?.api ?? "openai-completions";
  const envBase = builtin?.baseUrlEnv ? env[builtin.baseUrlEnv] : undefined;
  const baseUrl = (
    baseUrlFlag ??
    (envBase || undefined) ??
    custom?.baseUrl ??
    builtin?.baseUrl ??
    ""
  ).replace(/\/+$/, "");
  const keyEnv = custom?.apiKeyEnv ?? builtin?.apiKeyEnv;
  const apiKey = (keyEnv ? env[keyEnv] : undefined) || custom?.apiKey || undefined;
  const settings = config.models?.[ref];
  const compat = { ...custom?.compat, ...settings?.compat };
  const allHeaders = { ...config.headers, ...custom?.headers, ...headers };
  return {
    provider,
    id,
    api,
    baseUrl,
    ...(apiKey ? { apiKey } : {}),
    ...(Object.keys(allHeaders).length > 0 ? { headers: allHeaders } : {}),
    ...(settings?.contextWindow ? { contextWindow: settings.contextWindow } : {}),
    ...(settings?.maxOutputTokens ? { maxOutputTokens: settings.maxOutputTokens } : {}),
    ...(settings?.temperature !== undefined ? { temperature: settings.temperature } : {}),
    ...(settings?.pricing ? { pricing: settings.pricing } : {}),
    ...(Object.keys(compat).length > 0 ? { compat } : {}),
  };
}

/** Why a model cannot be called as configured (missing key), or undefined when it looks usable. */
export function missingCredential(model: ModelSpec, config: RatchetConfig): string | undefined {
  if (model.apiKey) return undefined;
  const builtin = BUILTIN_PROVIDERS[model.provider];
  const custom = config.providers?.[model.provider];
  const keyEnv = custom?.apiKeyEnv ?? builtin?.apiKeyEnv;
  const needsKey = custom?.apiKeyEnv !== undefined || (builtin?.needsKey ?? false);
  // A custom base URL usually means a local or gateway server that may not need a key.
  const isDefaultUrl = builtin !== undefined && model.baseUrl === builtin.baseUrl;
  if (!needsKey || !isDefaultUrl) return undefined;
  return `No API key for ${model.provider}. Fix: export ${keyEnv ?? "the provider's key variable"}=…, or set providers.${model.provider}.apiKey in $RATCHET_HOME/config.json.`;
}
