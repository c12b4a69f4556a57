// Reading untrusted wire JSON: narrowing helpers, provider error payloads, tool-call argument
// text. Shared by the provider files; knows no wire format.
import { isRetryableStatus } from "./http.js";
import type { ToolCallBlock } from "./types.js";

/** A JSON object from the wire, not yet trusted. */
export type Json = Record<string, unknown>;

/** Narrows a wire value to a plain JSON object. */
export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
/** The value if it is a string, else undefined. */
export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
/** The value if it is a finite number, else undefined. */
export const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

/** JSON.parse that returns undefined instead of throwing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Joins header maps with lower-cased names, later maps winning, so overrides never duplicate. */
export function mergeHeaders(...maps: (Record<string, string> | undefined)[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of maps) for (const [k, v] of Object.entries(m ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/** Parses accumulated tool-call argument text. Empty text means "no arguments", not an error. */
export function parseToolArguments(raw: string): Pick<ToolCallBlock, "arguments" | "invalidArguments"> {
  if (raw.trim() === "") return { arguments: {} };
  const parsed = parseJson(raw);
  return isObject(parsed) ? { arguments: parsed } : { arguments: {}, invalidArguments: raw };
}

/** The wire text for a tool call's arguments: what the model sent if it was invalid. */
export function argumentsText(call: ToolCallBlock): string {
  return call.invalidArguments ?? JSON.stringify(call.arguments);
}

const RETRYABLE_WORDS =
  /overload|rate.?limit|server.?error|internal|unavailable|timeout|timed out|api_error|capacity|too many|bad gateway/i;

/** Whether a provider error object (code/status/type) says trying again may succeed. */
export function isRetryableErrorInfo(error: Json): boolean {
  for (const v of [error.code, error.status, error.status_code, error.type]) {
    const n = typeof v === "string" && /^\d{3}$/.test(v) ? Number(v) : num(v);
    if (n !== undefined && isRetryableStatus(n)) return true;
    if (typeof v === "string" && RETRYABLE_WORDS.test(v)) return true;
  }
  return false;
}

/** Best human-readable message inside an error payload (`{error:{message}}`, `{message}`, string). */
export function errorText(payload: unknown): string | undefined {
  if (typeof payload === "string") return payload || undefined;
  if (!isObject(payload)) return undefined;
  return errorText(payload.error) ?? str(payload.message) ?? str(payload.detail);
}

/** "message (type, code)" for a provider error object, or undefined if it has no message. */
export function describeErrorInfo(error: Json): string | undefined {
  const message = errorText(error);
  if (!message) return undefined;
  const tags = [error.type, error.code].filter((v) => (typeof v === "string" && v) || typeof v === "number");
  return tags.length > 0 ? `${message} (${tags.join(", ")})` : message;
}
