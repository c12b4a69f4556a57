// Daemon security over real sockets: token required on every call except health, never accepted
// from a URL, failed attempts rate-limited, WebSocket Origin and subprotocol auth, loopback bind.
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { WebSocket } from "ws";
import { ratchet } from "../support/cli.js";
import { api, type DaemonProc, useReactiveDaemon } from "./support.js";

let d: DaemonProc;
let home: string;

useReactiveDaemon((f) => {
  d = f.d;
  home = f.sb.home;
});

/** Opens a WebSocket and resolves with the HTTP status of a refused upgrade, or 101. */
function wsStatus(url: string, protocols: string[], headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.on("open", () => {
      ws.close();
      resolve(101);
    });
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on("error", () => {});
  });
}

test("the token file is private and `ratchet token` prints it", async () => {
  assert.equal(statSync(path.join(home, "token")).mode & 0o777, 0o600);
  const r = await ratchet(["token"], { PATH: process.env.PATH, RATCHET_HOME: home });
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), d.token);
});

test("health needs no token and says nothing beyond ok and version", async () => {
  const res = await fetch(`${d.url}/api/health`);
  assert.equal(res.status, 200);
  assert.deepEqual(Object.keys((await res.json()) as object).sort(), ["ok", "version"]);
});

test("every other call needs the bearer token", async () => {
  for (const [method, p] of [
    ["GET", "/api/sessions"],
    ["POST", "/api/sessions/messages"],
    ["GET", "/api/approvals"],
    ["POST", "/v1/chat/completions"],
    ["GET", "/v1/models"],
    ["GET", "/no/such/route"],
  ]) {
    const none = await fetch(`${d.url}${p}`, { method });
    assert.equal(none.status, 401, `${method} ${p} without a token`);
    const body = (await none.json()) as { error: { message: string } };
    assert.match(body.error.message, /Authorization: Bearer/);
    const bad = await api({ url: d.url, token: "rt_wrong" }, method, p);
    assert.equal(bad.status, 401, `${method} ${p} with a wrong token`);
    assert.equal((await api(d, "GET", "/api/sessions")).status, 200, "a success clears the failure count");
  }
  const ok = await api(d, "GET", "/api/sessions");
  assert.equal(ok.status, 200);
});

test("a token in the query string is refused even when correct, with a message naming the header", async () => {
  for (const name of ["token", "access_token", "api_key"]) {
    const res = await fetch(`${d.url}/api/sessions?${name}=${d.token}`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { message: string } };
    assert.match(body.error.message, /Authorization: Bearer <token>/);
  }
});

test("WebSocket: token via subprotocol, never via URL; foreign Origin refused", async () => {
  const ws = d.url.replace("http", "ws");
  assert.equal(await wsStatus(`${ws}/api/ws`, ["ratchet.v1", `bearer.${d.token}`]), 101);
  assert.equal(
    await wsStatus(`${ws}/api/ws`, ["ratchet.v1", `bearer.${d.token}`], { origin: d.url }),
    101,
    "same-origin browser page",
  );
  assert.equal(await wsStatus(`${ws}/api/ws`, ["ratchet.v1"]), 401);
  assert.equal(await wsStatus(`${ws}/api/ws`, ["ratchet.v1", "bearer.nope"]), 401);
  assert.equal(await wsStatus(`${ws}/api/ws?token=${d.token}`, ["ratchet.v1"]), 400);
  for (const origin of [
    "http://evil.example",
    "http://127.0.0.1:1",
    "null",
    "https://localhost.evil.example",
  ])
    assert.equal(
      await wsStatus(`${ws}/api/ws`, ["ratchet.v1", `bearer.${d.token}`], { origin }),
      403,
      `origin ${origin}`,
    );
});

test("binding to a non-loopback address is refused without --allow-remote", async () => {
  const r = await ratchet(["daemon", "--host", "0.0.0.0", "--port", "0"], {
    PATH: process.env.PATH,
    RATCHET_HOME: home,
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--allow-remote/);
});

test("repeated failed auth locks the address out with 429 and retry-after (run last: it locks loopback)", async () => {
  let locked: Response | undefined;
  for (let i = 0; i < 20 && !locked; i++) {
    const res = await fetch(`${d.url}/api/sessions`, { headers: { authorization: "Bearer guess" } });
    if (res.status === 429) locked = res;
    else assert.equal(res.status, 401);
  }
  assert.ok(locked, "no lockout after 20 failures");
  assert.ok(Number(locked.headers.get("retry-after")) >= 1);
  const right = await api(d, "GET", "/api/sessions");
  assert.equal(right.status, 429, "the right token is also refused while locked out");
  assert.equal((await fetch(`${d.url}/api/health`)).status, 200, "health stays up");
});
