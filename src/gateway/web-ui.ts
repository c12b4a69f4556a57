// The web UI's static files: index.html, app.js and style.css from src/gateway/web, served without
// auth (they hold no data; every API call the page makes carries the token) under a strict CSP.
// The files are read once from disk: next to the bundle (dist/bundle/web, copied by
// scripts/bundle.mjs) or, for the tsc output the tests import, from the source tree.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Hono } from "hono";
import type { GatewayEnv } from "./http-util.js";

const JS = "text/javascript; charset=utf-8";

/** Served paths → file name and content type. Nothing outside this list is ever read. */
export const ASSETS: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/ui/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
  ...Object.fromEntries(
    ["app", "api", "dom", "chat", "sessions", "approvals", "cron"].map((m) => [
      `/ui/${m}.js`,
      { file: `${m}.js`, type: JS },
    ]),
  ),
};

/** No inline script or style, same-origin fetches only, never framed. */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** The folder holding the page's files, or undefined when neither location has them. */
export function webDir(): string | undefined {
  const candidates = [
    new URL("./web/", import.meta.url), // dist/bundle/web/ (next to the bundle's chunks)
    new URL("../../../src/gateway/web/", import.meta.url), // dist/src/gateway → source tree
  ];
  for (const u of candidates) {
    const dir = fileURLToPath(u);
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

/** Loads the files once; a missing file is reported by the page's route as a 500 with a reason. */
function load(): Map<string, { body: string; type: string }> | string {
  const dir = webDir();
  if (!dir) return "the web UI files were not found (rebuild with `npm run build`)";
  const out = new Map<string, { body: string; type: string }>();
  for (const [p, a] of Object.entries(ASSETS))
    out.set(p, { body: readFileSync(dir + a.file, "utf8"), type: a.type });
  return out;
}

/** Registers GET / and /ui/* on `app`; call before the auth middleware. */
export function webUiRoutes(app: Hono<GatewayEnv>): void {
  let assets: ReturnType<typeof load> | undefined;
  for (const p of Object.keys(ASSETS)) {
    app.get(p, (c) => {
      assets ??= load();
      const headers = {
        "content-security-policy": WEB_CSP,
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
      };
      if (typeof assets === "string") return c.json({ error: { message: assets, code: "internal" } }, 500);
      const a = assets.get(p) as { body: string; type: string };
      return c.body(a.body, 200, { ...headers, "content-type": a.type });
    });
  }
}
