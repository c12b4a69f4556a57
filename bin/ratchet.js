#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/. `npm ci` builds it (prepare script).
import("../dist/bundle/main.js").catch((err) => {
  if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/bundle/main.js")) {
    process.stderr.write(
      "ratchet: not built yet. Run `npm run build` in the ratchet folder, then try again.\n",
    );
    process.exit(70);
  }
  throw err;
});
