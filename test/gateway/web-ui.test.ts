// The web UI end to end: a real daemon child, a scripted model, and Debian's headless Chromium
// driven by playwright-core. Logs in (a wrong token first), sends a message, sees the streamed
// text and the held exec call, approves it, and sees the resumed session run the call and reply,
// then finds the session with its token counts. Also checks the page's headers and that the API
// still wants the token.
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import {
  type ScriptedServer,
  type ScriptFn,
  startScriptedServer,
} from "../../src/testkit/scripted-server.js";
import type { Sandbox } from "../support/cli.js";
import { api, type DaemonProc, daemonSandbox, startDaemonProc } from "./support.js";

const CHROMIUM = process.env.RATCHET_CHROMIUM ?? "/usr/bin/chromium";
const COMMAND = "echo web-probe-ok";
/** Generous: two shared cores, a browser, a daemon and a model server. */
const WAIT = 30_000;

/**
 * Any user message: some text (with markup that must stay text) and an exec call the policy holds.
 * After the tool result: say it waits for approval, or report the output once it ran.
 */
const script: ScriptFn = (req) => {
  const msgs = (req.json?.messages ?? []) as { role: string; content?: unknown }[];
  const last = msgs.at(-1);
  const usage = { input: 120, output: 30 };
  const firstUser = msgs.find((m) => m.role === "user")?.content;
  if (typeof firstUser === "string" && firstUser.startsWith("slow"))
    return { text: "word ".repeat(200), chunkSize: 5, delayMs: 100, usage };
  if (last?.role === "tool") {
    const out = typeof last.content === "string" ? last.content : "";
    if (out.includes("held for approval")) return { text: "The command waits for your approval.", usage };
    return { text: `All done: ${out.includes("web-probe-ok") ? "web-probe-ok" : "no output"}`, usage };
  }
  return {
    text: "Checking the probe <img src=x id=pwned> first.",
    toolCalls: [{ name: "exec", arguments: { command: COMMAND } }],
    chunkSize: 4,
    delayMs: 10,
    usage,
  };
};

let model: ScriptedServer;
let d: DaemonProc;
let sb: Sandbox;
let browser: Browser | undefined;

before(async () => {
  model = await startScriptedServer(script);
  const policy = { rules: [{ tool: "exec", args: { command: "echo web-probe*" }, action: "ask" }] };
  sb = daemonSandbox(model, { policy, fallbackModels: ["scripted/backup"] });
  d = await startDaemonProc(sb);
});
after(async () => {
  await browser?.close();
  await d.stop();
  await model.close();
});

test("the page is served without auth under a strict CSP; the API still wants the token", async () => {
  const page = await fetch(`${d.url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
  const csp = page.headers.get("content-security-policy") ?? "";
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(page.headers.get("x-frame-options"), "DENY");
  assert.equal(page.headers.get("cache-control"), "no-store");
  const html = await page.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "no inline script");
  assert.doesNotMatch(html, /\bon[a-z]+=/i, "no inline handlers");

  const js = await fetch(`${d.url}/ui/app.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type") ?? "", /javascript/);
  assert.match(js.headers.get("content-security-policy") ?? "", /default-src 'self'/);

  assert.equal((await fetch(`${d.url}/api/sessions`)).status, 401);
  assert.equal((await fetch(`${d.url}/api/approvals`)).status, 401);
  assert.notEqual((await fetch(`${d.url}/api/sessions?token=${d.token}`)).status, 200);
  assert.notEqual((await fetch(`${d.url}/ui/..%2f..%2ftoken`)).status, 200);
  assert.notEqual((await fetch(`${d.url}/ui/nope.js`)).status, 200);
});

/** Debian's Chromium, launched once; its absence fails the test with the fix. */
async function launch(): Promise<Browser> {
  if (browser) return browser;
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: run \`apt-get install chromium\` (.ci/run does) or set RATCHET_CHROMIUM`,
    );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  return browser;
}

/** Logs the page in with the daemon's token. */
async function logIn(page: Page): Promise<void> {
  await page.locator("#token").fill(d.token);
  await page.locator("#login-form button[type=submit]").click();
  await page.locator("#shell").waitFor({ state: "visible", timeout: WAIT });
}

/** Text of the first element matching `selector` once it contains `text`. */
async function waitText(page: Page, selector: string, text: string | RegExp): Promise<string> {
  const loc = page.locator(selector).filter({ hasText: text }).first();
  await loc.waitFor({ state: "visible", timeout: WAIT });
  return (await loc.textContent()) ?? "";
}

test("in Chromium: log in, chat with live tool events, approve, see the reply and the session", async () => {
  const page = await (await launch()).newPage();
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  // Console errors (CSP refusals too) are bugs; failed loads are judged by URL below.
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
  });
  // Expected refusals: the wrong token's check, and /api/cron on a daemon without the scheduler.
  page.on("response", (r) => {
    const p = new URL(r.url()).pathname;
    const expected =
      (r.status() === 401 && p === "/api/sessions") || (r.status() === 404 && p === "/api/cron");
    if (r.status() >= 400 && !expected) problems.push(`HTTP ${r.status()} for ${p}`);
  });

  await page.goto(`${d.url}/`);
  await page.locator("#token").fill("not-the-token");
  await page.locator("#login-form button[type=submit]").click();
  await waitText(page, "#login-error", "not accepted");
  assert.equal(await page.locator("#shell").isVisible(), false);

  await logIn(page);
  assert.equal(await page.evaluate("sessionStorage.getItem('ratchet.token')"), d.token);
  assert.equal(await page.evaluate("localStorage.length"), 0);
  assert.doesNotMatch(page.url(), new RegExp(d.token));

  // First message: streamed text, then the exec call, held by policy.
  await page.locator("#message").fill("run the probe");
  await page.locator("#send").click();
  const said = await waitText(page, "#transcript .msg.assistant", "id=pwned> first.");
  assert.match(said, /<img src=x id=pwned>/, "markup from the model is shown as text");
  assert.equal(await page.locator("#pwned").count(), 0, "and never becomes an element");
  await waitText(page, "#transcript .tool .tool-name", "exec");
  await waitText(page, "#transcript .tool .args", COMMAND);
  await waitText(page, "#transcript .tool.held .result", "held for approval");
  await waitText(page, "#transcript .tool.held .tool-state", "held for approval");
  await waitText(page, "#transcript .msg.assistant", "waits for your approval");
  await page.locator('#chat-status[data-status="done"]').waitFor({ timeout: WAIT });
  const sessionId = await page.locator("#session-pick").inputValue();
  assert.match(sessionId, /\S/);

  // Approve it in the approvals view (the badge counts it).
  await waitText(page, "#approval-count", "1");
  await page.locator('nav button[data-view="approvals"]').click();
  const card = page.locator(".approval").filter({ hasText: COMMAND }).first();
  await card.waitFor({ timeout: WAIT });
  assert.match((await card.textContent()) ?? "", /exec/);
  await card.locator("button.approve").click();
  await waitText(page, "#approval-note", "Approved");
  await waitText(page, "#approval-list", "Nothing is waiting");

  // The approval resumed the session: the agent makes the call again, live in the open chat.
  await page.locator('nav button[data-view="chat"]').click();
  await waitText(page, '#transcript [data-source="live"] .tool .result', "web-probe-ok");
  await waitText(page, '#transcript [data-source="live"] .msg.assistant', "All done: web-probe-ok");
  await page.locator('#chat-status[data-status="done"]').waitFor({ timeout: WAIT });
  await waitText(page, "#chat-usage", /[1-9][\d,]* in · [1-9][\d,]* out/);

  // The session list has it, with token counts.
  await page.locator('nav button[data-view="sessions"]').click();
  const row = page.locator(`tr[data-session="${sessionId}"]`);
  await row.waitFor({ timeout: WAIT });
  assert.match((await row.locator(".tokens-in").textContent()) ?? "", /^[1-9][\d,]*$/);
  assert.match((await row.locator(".tokens-out").textContent()) ?? "", /^[1-9][\d,]*$/);
  assert.match((await row.locator(".cost").textContent()) ?? "", /^\$\d/);

  // Opening it shows the stored transcript (user, tool and agent entries).
  await row.locator("button").click();
  await waitText(page, "#transcript .msg.user", "[approval] The owner approved");
  await waitText(page, "#transcript .tool .result", "held for approval");

  // Cron: the scheduler may not be on this daemon; the view says so instead of breaking.
  await page.locator('nav button[data-view="cron"]').click();
  await page.locator("#cron-body > *").first().waitFor({ timeout: WAIT });
  assert.match((await page.locator("#cron-body").textContent()) ?? "", /not available|No cron jobs|Name/);

  await page.locator("#logout").click();
  await page.locator("#login").waitFor({ state: "visible", timeout: WAIT });
  assert.equal(await page.evaluate("sessionStorage.getItem('ratchet.token')"), null);
  assert.deepEqual(problems, []);
});

test("in Chromium: the cron view follows the scheduler's API (answered here by the test)", async () => {
  const page = await (await launch()).newPage();
  const seen: string[] = [];
  const job = {
    id: "j1",
    name: "nightly <b>report</b>",
    kind: "cron",
    schedule: "0 3 * * *",
    timezone: "Europe/Berlin",
    prompt: "Summarise the day",
    catchUp: false,
    enabled: true,
    sessionId: null,
    nextRunAt: Date.UTC(2030, 0, 1, 2),
    lastRun: { outcome: "ok", startedAt: Date.UTC(2029, 11, 31, 2) },
  };
  await page.route("**/api/cron**", async (route) => {
    const req = route.request();
    const p = new URL(req.url()).pathname;
    seen.push(
      `${req.method()} ${p} ${req.headers().authorization === `Bearer ${d.token}` ? "auth" : "NO AUTH"}`,
    );
    if (req.method() === "PATCH") {
      const body = JSON.parse(req.postData() ?? "{}") as { enabled: boolean };
      job.enabled = body.enabled;
      return route.fulfill({ json: { job } });
    }
    if (p === "/api/cron/j1/runs")
      return route.fulfill({
        json: {
          runs: [
            {
              id: "r1",
              jobId: "j1",
              scheduledFor: Date.UTC(2029, 11, 31, 2),
              startedAt: Date.UTC(2029, 11, 31, 2, 0, 1),
              outcome: "failed",
              messageId: "m1",
              detail: "model <i>unreachable</i>",
            },
          ],
        },
      });
    return route.fulfill({ json: { jobs: [job] } });
  });
  await page.goto(`${d.url}/`);
  await logIn(page);
  await page.locator('nav button[data-view="cron"]').click();
  const row = page.locator('tr[data-job="j1"]');
  await row.waitFor({ timeout: WAIT });
  const text = (await row.textContent()) ?? "";
  assert.match(text, /nightly <b>report<\/b>/, "names are text");
  assert.match(text, /0 3 \* \* \* \(Europe\/Berlin\)/);
  assert.match(text, /ok ·/);
  const box = row.locator("input[type=checkbox]");
  assert.equal(await box.isChecked(), true);
  await box.click();
  await row.locator("input[type=checkbox]:not(:checked):not([disabled])").waitFor({ timeout: WAIT });
  assert.equal(job.enabled, false);
  await row.locator("button").click();
  await waitText(page, "#cron-runs", "model <i>unreachable</i>");
  assert.deepEqual(seen, ["GET /api/cron auth", "PATCH /api/cron/j1 auth", "GET /api/cron/j1/runs auth"]);
  await page.close();
});

test("in Chromium: a streaming run can be cancelled from the chat view", async () => {
  const page = await (await launch()).newPage();
  await page.goto(`${d.url}/`);
  await logIn(page);
  await page.locator("#message").fill("slow story");
  await page.locator("#send").click();
  await page.locator("#transcript .msg.assistant.streaming").waitFor({ timeout: WAIT });
  await page.locator("#cancel:not([disabled])").click({ timeout: WAIT });
  await waitText(page, '#chat-status[data-status="failed"]', "cancelled");
  assert.equal(await page.locator("#cancel").isDisabled(), true);
  await page.close();
});

test("in Chromium: a new session can name its model and workspace; a bad model is refused", async () => {
  const page = await (await launch()).newPage();
  await page.goto(`${d.url}/`);
  await logIn(page);
  // The daemon's defaults are offered as placeholders, the configured models as suggestions.
  const modelBox = page.locator("#new-model");
  await page.waitForFunction("document.getElementById('new-model').placeholder !== ''", null, {
    timeout: WAIT,
  });
  assert.equal(await modelBox.getAttribute("placeholder"), "scripted/m");
  assert.equal(await page.locator("#new-workspace").getAttribute("placeholder"), sb.workspace);
  const options = await page.locator("#model-list option").all();
  const suggested = await Promise.all(options.map((o) => o.getAttribute("value")));
  assert.deepEqual(suggested, ["scripted/m", "scripted/backup"]);

  // A model the daemon cannot resolve: refused, nothing sent, the message stays in the box.
  await modelBox.fill("nosuchprovider/x");
  await page.locator("#message").fill("hello there");
  await page.locator("#send").click();
  await waitText(page, "#banner", "Unknown provider");
  assert.equal(await page.locator("#transcript .msg.user").count(), 0);
  assert.equal(await page.locator("#message").inputValue(), "hello there");

  // Another model and another workspace: the session is created with both and the run uses them.
  const other = path.join(sb.home, "other-workspace");
  mkdirSync(other, { recursive: true });
  const before = model.requests.length;
  await modelBox.fill("scripted/second");
  await page.locator("#new-workspace").fill(other);
  await page.locator("#send").click();
  await page.locator('#chat-status[data-status="done"]').waitFor({ timeout: WAIT });
  assert.equal(await page.locator("#new-session").isHidden(), true, "an open session has its model");
  const sessionId = await page.locator("#session-pick").inputValue();
  const session = (await api(d, "GET", `/api/sessions/${sessionId}`)).json.session as {
    model: string;
    workspace: string;
  };
  assert.equal(session.model, "scripted/second");
  assert.equal(session.workspace, other);
  assert.ok(model.requests.slice(before).length > 0);
  assert.ok(model.requests.slice(before).every((r) => r.json?.model === "second"));
  // Back to "New session": the choices are offered again.
  await page.locator("#session-pick").selectOption("");
  assert.equal(await page.locator("#new-session").isVisible(), true);
  await page.close();
});
