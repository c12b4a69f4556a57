// The daemon's bearer token: generated on first start, stored in $RATCHET_HOME/token with mode
// 0600, compared in constant time. Whoever can read the file is the owner.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Where the token lives. */
export function tokenPath(home: string): string {
  return path.join(home, "token");
}

/** Reads the token, or returns undefined when the daemon never started in this home. */
export function readToken(home: string): string | undefined {
  const file = tokenPath(home);
  if (!existsSync(file)) return undefined;
  const t = readFileSync(file, "utf8").trim();
  return t === "" ? undefined : t;
}

/** Reads the token, creating it (256 random bits, mode 0600) when there is none. */
export function loadOrCreateToken(home: string): string {
  const existing = readToken(home);
  const file = tokenPath(home);
  if (existing) {
    chmodSync(file, 0o600); // tighten a file someone loosened
    return existing;
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const token = `rt_${randomBytes(32).toString("base64url")}`;
  // "wx": never overwrite a token another process wrote a moment ago.
  try {
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: "wx" });
  } catch {
    return readToken(home) ?? token;
  }
  return token;
}

/** Constant-time comparison of a presented token with the real one. */
export function tokenMatches(presented: string, token: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
