// Bundles the CLI into dist/bundle with esbuild. A bundle starts several times faster than
// hundreds of separate ES modules (measured: TypeBox alone took ~100 ms unbundled), and start-up
// time is a product goal. better-sqlite3 stays external: it is a native addon.
// The web UI's files are copied beside it (dist/bundle/web), where src/gateway/web-ui.ts looks.
import { cpSync } from "node:fs";
import { build } from "esbuild";

await build({
  entryPoints: { main: "src/cli/main.ts", "scripted-server": "src/testkit/scripted-server-main.ts" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir: "dist/bundle",
  // sqlite-vec finds its platform binary next to its own package at run time.
  external: ["better-sqlite3", "sqlite-vec"],
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __ratchetCreateRequire } from 'node:module'; const require = __ratchetCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});

cpSync(new URL("../src/gateway/web/", import.meta.url), new URL("../dist/bundle/web/", import.meta.url), {
  recursive: true,
});
