// Proof of trusted origin for the arguments of a consequential call. The rule is deliberately
// simple: every destination-like value in the call (URL authority, host, e-mail address, path
// outside the workspace, config path, package name, secret variable…) must appear verbatim in
// content the owner wrote (their messages, system messages). The model can copy a value the owner
// gave; it cannot make an injected value appear in the owner's messages.
import { SECRET_NAME } from "./redact.js";

/** What a token is, for messages to the owner and the model. */
export type TokenKind = "host" | "email" | "path" | "package" | "secret" | "word" | "recipient";

/** A value that must appear in trusted content; any one of `alts` also counts. */
export interface ProofToken {
  kind: TokenKind;
  value: string;
  alts?: string[];
}

const URL_RE = /\b([a-z][a-z0-9+.-]*):\/\/([^\s'"<>`|;&(){}\\[\]]+)/gi;
const EMAIL_RE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const VAR_RE = /\$\{?([A-Za-z_][A-Za-z0-9_]*)/g;

/** A URL's authority (host[:port], no user info), lower-cased; undefined for local schemes. */
export function urlAuthority(url: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(url);
  if (!m || m[1].toLowerCase() === "file") return undefined;
  const authority = m[2].slice(m[2].lastIndexOf("@") + 1).toLowerCase();
  return authority === "" ? undefined : authority;
}

/** A host token, accepting the bare domain for a `www.` host. */
export function hostToken(authority: string): ProofToken {
  const value = authority.toLowerCase();
  return value.startsWith("www.") ? { kind: "host", value, alts: [value.slice(4)] } : { kind: "host", value };
}

/** Destination-like values anywhere in free text: URL authorities, e-mail addresses, secret variables. */
export function textTokens(text: string): ProofToken[] {
  const out: ProofToken[] = [];
  for (const m of text.matchAll(URL_RE)) {
    const a = urlAuthority(m[0]);
    if (a) out.push(hostToken(a));
  }
  for (const m of text.matchAll(EMAIL_RE)) out.push({ kind: "email", value: m[0].toLowerCase() });
  for (const m of text.matchAll(VAR_RE))
    if (SECRET_NAME.test(m[1])) out.push({ kind: "secret", value: m[1], alts: [`$${m[1]}`] });
  return out;
}

/** Tokens deduplicated by kind and value, in first-seen order. */
export function uniqueTokens(tokens: ProofToken[]): ProofToken[] {
  const seen = new Map<string, ProofToken>();
  for (const t of tokens) if (!seen.has(`${t.kind}\0${t.value}`)) seen.set(`${t.kind}\0${t.value}`, t);
  return [...seen.values()];
}

/**
 * Whether `needle` occurs in `haystack` (both lower-cased) as a whole token: not glued to a longer
 * name on either side, so "evil.test" is not proven by "notevil.test", "a.evil.test" or
 * "evil.test.com", while "https://evil.test/x" and "x@evil.test" do prove the host "evil.test".
 */
export function appearsIn(needle: string, haystack: string): boolean {
  if (needle === "") return true;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    const before = haystack[at - 1] ?? " ";
    const after = haystack[at + needle.length] ?? " ";
    const next = haystack[at + needle.length + 1] ?? " ";
    if (/[a-z0-9_.-]/.test(before)) continue;
    if (/[a-z0-9_-]/.test(after)) continue;
    if (after === "." && /[a-z0-9]/.test(next)) continue;
    return true;
  }
  return false;
}

/** The tokens of `tokens` that do not appear in `trusted` (owner and system content). */
export function unprovenTokens(tokens: ProofToken[], trusted: string): ProofToken[] {
  const hay = trusted.toLowerCase();
  return uniqueTokens(tokens).filter(
    (t) => ![t.value, ...(t.alts ?? [])].some((v) => appearsIn(v.toLowerCase(), hay)),
  );
}

/** "evil.test, ~/.ssh/id_rsa" — for reasons shown to the owner and the model. */
export function describeTokens(tokens: ProofToken[], max = 5): string {
  const shown = tokens.slice(0, max).map((t) => (t.kind === "secret" ? `$${t.value}` : t.value));
  return shown.join(", ") + (tokens.length > max ? `, … (${tokens.length - max} more)` : "");
}
