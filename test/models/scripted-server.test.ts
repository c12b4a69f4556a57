// The scripted model server itself: exhaustion, function scripts, request log, and CLI mode.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { streamAnthropic } from "../../src/models/anthropic-messages.js";
import { nodeHttpClient } from "../../src/models/http.js";
import { streamOpenAI } from "../../src/models/openai-completions.js";
import { assistantText } from "../../src/models/types.js";
import { startScriptedServer } from "../../src/testkit/scripted-server.js";
import { collect, model } from "./helpers.js";

const ctx = { systemPrompt: "", messages: [{ role: "user" as const, content: "hi" }], tools: [] };

describe("scripted server", () => {
  it("answers 500 'script exhausted' when the script runs out", async () => {
    const srv = await startScriptedServer([{ text: "one" }]);
    try {
      const m = model("openai-completions", srv.openaiBaseUrl);
      assert.equal(assistantText((await collect(streamOpenAI(m, ctx))).message), "one");
      assert.equal(srv.remaining(), 0);
      const { message } = await collect(streamOpenAI(m, ctx));
      assert.equal(message.stopReason, "error");
      assert.match(message.errorMessage ?? "", /HTTP 500.*script exhausted/);
    } finally {
      await srv.close();
    }
  });

  it("serves both wire formats from a function script and logs raw requests", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ratchet-scripted-"));
    const logFile = join(dir, "requests.jsonl");
    const srv = await startScriptedServer((req, i) => ({ text: `${i}:${req.path}` }), { logFile });
    try {
      const a = await collect(streamOpenAI(model("openai-completions", srv.openaiBaseUrl), ctx));
      const b = await collect(streamAnthropic(model("anthropic-messages", srv.anthropicBaseUrl), ctx));
      assert.equal(assistantText(a.message), "0:/v1/chat/completions");
      assert.equal(assistantText(b.message), "1:/v1/messages");
      assert.equal(srv.remaining(), Number.POSITIVE_INFINITY);
      const lines = readFileSync(logFile, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => l.path),
        ["/v1/chat/completions", "/v1/messages"],
      );
      assert.equal(lines[0].body, srv.requests[0].body);
    } finally {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("answers 404 on unknown paths", async () => {
    const srv = await startScriptedServer([]);
    try {
      const res = await nodeHttpClient(`${srv.url}/v1/embeddings`, { method: "POST", body: "{}" });
      assert.equal(res.status, 404);
      assert.match(await res.text(), /no route/);
    } finally {
      await srv.close();
    }
  });

  it("runs as a separate process, printing its URL first and cycling a repeat script", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ratchet-scripted-"));
    const scriptFile = join(dir, "script.json");
    writeFileSync(scriptFile, JSON.stringify({ turns: [{ text: "a" }, { text: "b" }], repeat: true }));
    const main = fileURLToPath(new URL("../../src/testkit/scripted-server-main.js", import.meta.url));
    const child = spawn(process.execPath, [main, scriptFile, "0"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
      });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const m = model("openai-completions", `${url}/v1`);
      const texts = [];
      for (let i = 0; i < 3; i++) texts.push(assistantText((await collect(streamOpenAI(m, ctx))).message));
      assert.deepEqual(texts, ["a", "b", "a"]);
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
