// `npm run demo`: runs a real agent task end to end with no API key. A loopback server plays the
// model over the real OpenAI streaming protocol; everything else (CLI, loop, tools, session
// store) is the product itself. State goes to a temporary RATCHET_HOME.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startScriptedServer } from "../dist/src/testkit/scripted-server.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const base = mkdtempSync(path.join(os.tmpdir(), "ratchet-demo-"));
const env = { ...process.env, RATCHET_HOME: path.join(base, "home") };
delete env.OPENAI_API_KEY;

const server = await startScriptedServer([
  {
    text: "I'll create the file.",
    toolCalls: [{ name: "write", arguments: { path: "hello.txt", content: "Hello from Ratchet!\n" } }],
  },
  { toolCalls: [{ name: "exec", arguments: { command: "cat hello.txt && wc -c hello.txt" } }] },
  { text: "Done: hello.txt exists and contains the greeting (checked with cat)." },
]);

const ratchet = (args) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, "bin/ratchet.js"), ...args], {
      env,
      stdio: "inherit",
    });
    child.on("close", (code) => resolve(code));
  });

console.log(`demo workspace: ${base}\n$ ratchet run "Create hello.txt with a greeting and check it"\n`);
const code = await ratchet([
  "run",
  "Create hello.txt with a greeting and check it",
  "--model",
  "openai/demo",
  "--base-url",
  server.openaiBaseUrl,
  "--workspace",
  base,
]);
await server.close();
console.log(`\nhello.txt: ${JSON.stringify(readFileSync(path.join(base, "hello.txt"), "utf8"))}`);
console.log("$ ratchet sessions list");
await ratchet(["sessions", "list"]);
console.log(`\nTo use a real model: OPENAI_API_KEY=… npx ratchet run "…" --model openai/gpt-4o-mini`);
process.exit(code ?? 1);
