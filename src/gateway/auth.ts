// Authentication checks shared by HTTP and WebSocket: bearer token from a header (never from a
// URL), and a per-address limiter that locks out repeated failures with exponential back-off.
import { tokenMatches } from "./token.js";

/** Query parameters that look like credentials; a request carrying one is refused outright. */
const CREDENTIAL_PARAMS = /^(token|access_token|auth|authorization|key|api_key|apikey|bearer)$/i;

/** Outcome of an auth check: ok, or an HTTP status and a message for the client. */
export type AuthVerdict =
  | { ok: true }
  | { ok: false; status: 400 | 401 | 429; message: string; retryAfter?: number };

/** Whether the URL carries a credential-like query parameter (refused even when correct). */
export function hasTokenInQuery(url: string): boolean {
  const q = url.indexOf("?");
  if (q < 0) return false;
  for (const key of new URLSearchParams(url.slice(q + 1)).keys())
    if (CREDENTIAL_PARAMS.test(key)) return true;
  return false;
}

/** Checks an `Authorization: Bearer <token>` header value. */
export function checkBearer(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m !== null && tokenMatches(m[1], token);
}

/**
 * Failed-auth limiter per remote address: after `freeFailures` failures an address is locked for
 * baseMs × 2^(excess), capped at maxMs. A success clears the record. Memory is bounded by pruning.
 */
export class AuthLimiter {
  private failures = new Map<string, { count: number; lockedUntil: number }>();

  constructor(
    private opts = { freeFailures: 10, baseMs: 1000, maxMs: 5 * 60_000, maxEntries: 10_000 },
    private now: () => number = Date.now,
  ) {}

  /** Seconds until `addr` may try again, or 0 when it is not locked out. */
  retryAfter(addr: string): number {
    const f = this.failures.get(addr);
    if (!f) return 0;
    const ms = f.lockedUntil - this.now();
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }

  /** Records a failure; returns the lockout in seconds it causes (0 while still free). */
  fail(addr: string): number {
    if (this.failures.size >= this.opts.maxEntries) this.prune();
    const f = this.failures.get(addr) ?? { count: 0, lockedUntil: 0 };
    f.count++;
    const excess = f.count - this.opts.freeFailures;
    if (excess >= 0) f.lockedUntil = this.now() + Math.min(this.opts.baseMs * 2 ** excess, this.opts.maxMs);
    this.failures.set(addr, f);
    return this.retryAfter(addr);
  }

  /** Clears `addr` after a successful authentication. */
  succeed(addr: string): void {
    this.failures.delete(addr);
  }

  private prune(): void {
    const t = this.now();
    for (const [k, v] of this.failures) if (v.lockedUntil < t) this.failures.delete(k);
    if (this.failures.size >= this.opts.maxEntries) this.failures.clear();
  }
}

/** The answer while an address is locked out for `seconds`. */
function lockedOut(seconds: number): AuthVerdict {
  return {
    ok: false,
    status: 429,
    message: `too many failed attempts; retry in ${seconds} s`,
    retryAfter: seconds,
  };
}

/** The full check for one request: locked out, token in URL, then the header. */
export function authenticate(
  limiter: AuthLimiter,
  addr: string,
  url: string,
  header: string | undefined,
  token: string,
): AuthVerdict {
  const wait = limiter.retryAfter(addr);
  if (wait > 0) return lockedOut(wait);
  if (hasTokenInQuery(url)) {
    limiter.fail(addr);
    return {
      ok: false,
      status: 400,
      message:
        "credentials in the URL are refused (URLs leak into logs and history); send the header `Authorization: Bearer <token>` instead",
    };
  }
  if (!checkBearer(header, token)) {
    const lock = limiter.fail(addr);
    if (lock > 0) return lockedOut(lock);
    return {
      ok: false,
      status: 401,
      message: "missing or wrong token: send `Authorization: Bearer <token>` (`ratchet token` prints it)",
    };
  }
  limiter.succeed(addr);
  return { ok: true };
}
