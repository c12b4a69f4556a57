// `ratchet doctor`: checks the set-up step by step and says exactly what is wrong and how to fix it.
import { accessSync, constants, mkdirSync } from "node:fs";
import path from "node:path";
import { nodeHttpClient, TransportError } from "../models/http.js";
import type { ModelSpec } from "../models/types.js";
import { configPath, loadConfig, type RatchetConfig, ratchetHome } from "../runtime/config.js";
import { missingCredential, resolveModels } from "../runtime/resolve-model.js";
import { SessionStore } from "../runtime/session-store.js";
import { describeError } from "../util/errors.js";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DoctorFlags {
  model?: string;
  baseUrl?: string;
  json?: boolean;
}

/** Runs every check; exit code 0 only when all pass. */
export async function doctorCommand(flags: DoctorFlags): Promise<number> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const major = Number(process.versions.node.split(".")[0]);
  add(
    "node",
    major >= 20,
    major >= 20
      ? `Node ${process.versions.node}`
      : `Node ${process.versions.node} is too old. Fix: install Node 20 or newer.`,
  );

  const home = ratchetHome();
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    accessSync(home, constants.W_OK);
    const store = new SessionStore(path.join(home, "ratchet.db"));
    store.close();
    add("state", true, `${home} (sessions in ratchet.db)`);
  } catch (err) {
    add(
      "state",
      false,
      `${home}: ${describeError(err)}. Fix: make it writable or set RATCHET_HOME to a writable folder.`,
    );
  }

  let config: RatchetConfig | undefined;
  try {
    config = loadConfig(home);
    add("config", true, configPath(home));
  } catch (err) {
    add("config", false, describeError(err));
  }

  if (config?.sandbox?.mode === "off") {
    add("sandbox", true, 'off (sandbox.mode = "off"): commands run on the host and each one needs approval');
  } else {
    const sb = await import("../sandbox/index.js");
    // Limits that cannot bind here (see call-cgroup.ts) are notes, as the backend would report them.
    const asked = config?.sandbox?.limits;
    const { warnings } = sb.planCallCgroups({ ...sb.DEFAULT_LIMITS, ...asked }, asked);
    const p = await sb.probeSandbox({ warnings });
    const memory = sb.memoryLimitEnforceable()
      ? "each command's memory is held by a cgroup"
      : "commands' memory is limited per process only (no memory cgroup)";
    if (p.ok)
      add(
        "sandbox",
        true,
        `bubblewrap ${p.version}; ${memory}${p.warnings.length ? `; note: ${p.warnings.join("; ")}` : ""}`,
      );
    else add("sandbox", false, `${p.reason}. Fix: ${p.fix}`);
  }

  if (config) {
    let model: ModelSpec | undefined;
    try {
      model = resolveModels(config, process.env, { model: flags.model, baseUrl: flags.baseUrl }).primary;
      add("model", true, `${model.provider}/${model.id} via ${model.api} at ${model.baseUrl}`);
    } catch (err) {
      add("model", false, describeError(err));
    }
    if (model) {
      const missing = missingCredential(model, config);
      add(
        "credentials",
        !missing,
        missing ?? (model.apiKey ? "API key set" : "no key needed for this server"),
      );
      if (!missing) checks.push(await reachability(model));
    }
  }

  if (flags.json) process.stdout.write(`${JSON.stringify({ ok: checks.every((c) => c.ok), checks })}\n`);
  else for (const c of checks) process.stdout.write(`${c.ok ? "✓" : "✗"} ${c.name.padEnd(12)} ${c.detail}\n`);
  return checks.every((c) => c.ok) ? 0 : 1;
}

/** Lists the server's models: proves the URL, the key and (when listed) the model id. */
async function reachability(model: ModelSpec): Promise<Check> {
  const name = "reachable";
  const anthropic = model.api === "anthropic-messages";
  const url = anthropic ? `${model.baseUrl.replace(/\/v1$/, "")}/v1/models` : `${model.baseUrl}/models`;
  const headers: Record<string, string> = { ...model.headers };
  if (model.apiKey) {
    if (anthropic) headers["x-api-key"] = model.apiKey;
    else headers.authorization = `Bearer ${model.apiKey}`;
  }
  if (anthropic) headers["anthropic-version"] = "2023-06-01";
  try {
    const res = await nodeHttpClient(url, { headers, timeoutMs: 10_000 });
    const body = await res.text();
    if (res.status === 401 || res.status === 403)
      return {
        name,
        ok: false,
        detail: `${url} rejected the API key (HTTP ${res.status}). Fix: check the key variable for ${model.provider}.`,
      };
    if (res.status === 404)
      return {
        name,
        ok: false,
        detail: `${url} not found (HTTP 404). Fix: check the base URL (OpenAI-compatible servers usually end in /v1).`,
      };
    if (res.status !== 200)
      return { name, ok: false, detail: `${url} answered HTTP ${res.status}: ${body.slice(0, 200)}` };
    const listed = body.includes(`"${model.id}"`);
    return {
      name,
      ok: true,
      detail: `${url} OK${listed ? `, ${model.id} is listed` : `; note: ${model.id} is not in the server's model list`}`,
    };
  } catch (err) {
    const code = err instanceof TransportError ? err.code : undefined;
    const hint =
      code === "ECONNREFUSED"
        ? "nothing is listening there. Fix: start the model server or correct --base-url."
        : "Fix: check the URL and the network.";
    return { name, ok: false, detail: `${url}: ${describeError(err)} — ${hint}` };
  }
}
