// Secret redaction. Secrets are known values (from the environment, the config file and the
// resolved models), not patterns: a value is replaced by `[REDACTED:NAME]` wherever it occurs in
// tool results before the model reads them, in everything written to the session store, and in
// what the CLI prints. Known limits: a secret split across two streamed text deltas is not caught
// in the live stream (it is in the stored transcript), and only the plain, URL-encoded and whole-
// value base64 forms are recognised, not arbitrary transformations of a secret.

/** Environment variable names that hold secrets. */
export const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)/i;

/** Shorter values are not treated as secrets: redacting "true" or "1234" would mangle text. */
export const MIN_SECRET_LENGTH = 8;

/** A secret value and the name shown in its place. */
export interface Secret {
  name: string;
  value: string;
}

/** Secrets in an environment: variables whose name matches SECRET_NAME, with values ≥ 8 chars. */
export function secretsFromEnv(env: NodeJS.ProcessEnv): Secret[] {
  const out: Secret[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && SECRET_NAME.test(name) && value.length >= MIN_SECRET_LENGTH)
      out.push({ name, value });
  }
  return out;
}

/** Replaces secret values with `[REDACTED:NAME]`. */
export interface Redactor {
  readonly secrets: readonly Secret[];
  /** `s` with every known secret replaced. */
  text(s: string): string;
  /** A copy of plain data (objects, arrays, strings) with every string redacted. */
  deep<T>(value: T): T;
}

/** Builds a redactor; values shorter than MIN_SECRET_LENGTH are ignored, duplicates keep the first name. */
export function createRedactor(secrets: readonly Secret[]): Redactor {
  const byValue = new Map<string, string>();
  for (const s of secrets) {
    if (s.value.length < MIN_SECRET_LENGTH) continue;
    for (const form of [s.value, encodeURIComponent(s.value), Buffer.from(s.value).toString("base64")]) {
      if (!byValue.has(form)) byValue.set(form, s.name);
    }
  }
  // Longest first, so a secret containing another is replaced whole.
  const forms = [...byValue.entries()].sort((a, b) => b[0].length - a[0].length);
  const text = (s: string): string => {
    let out = s;
    for (const [value, name] of forms)
      if (out.includes(value)) out = out.split(value).join(`[REDACTED:${name}]`);
    return out;
  };
  const deep = (v: unknown): unknown => {
    if (typeof v === "string") return text(v);
    if (Array.isArray(v)) return v.map(deep);
    if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x)]));
    return v;
  };
  return {
    secrets: [...secrets],
    text: forms.length === 0 ? (s) => s : text,
    deep: <T>(value: T): T => (forms.length === 0 ? value : (deep(value) as T)),
  };
}
