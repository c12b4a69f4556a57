// The web UI's files without a browser: found from the tsc output, every module the page imports
// is served, nothing assigns markup (model and tool text must stay text), and no inline script.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { ASSETS, webDir } from "../../src/gateway/web-ui.js";

const dir = webDir();

test("the page's folder is found and every file in it is served", () => {
  assert.ok(dir, "web UI folder not found");
  const served = new Set(Object.values(ASSETS).map((a) => a.file));
  for (const f of readdirSync(dir)) assert.ok(served.has(f), `${f} is in the folder but not served`);
  for (const f of served) assert.ok(readFileSync(dir + f, "utf8").length > 0, `${f} is empty`);
});

test("every module imported by a script is served", () => {
  const served = new Set(Object.keys(ASSETS));
  for (const a of Object.values(ASSETS).filter((x) => x.file.endsWith(".js"))) {
    const src = readFileSync(`${dir}${a.file}`, "utf8");
    for (const m of src.matchAll(/from "\.\/([\w-]+\.js)"/g))
      assert.ok(served.has(`/ui/${m[1]}`), `${a.file} imports ${m[1]}, which is not served`);
  }
});

test("no script assigns markup or evaluates strings", () => {
  for (const a of Object.values(ASSETS).filter((x) => x.file.endsWith(".js"))) {
    const src = readFileSync(`${dir}${a.file}`, "utf8");
    assert.doesNotMatch(
      src,
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\("on/,
      a.file,
    );
  }
  const html = readFileSync(`${dir}index.html`, "utf8");
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
  assert.doesNotMatch(html, /\sstyle=|\son[a-z]+=/i);
});
