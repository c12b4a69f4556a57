// The network allowlist: hostname matching, the proxy on its own (plain HTTP and CONNECT, allowed
// and denied), and end to end from inside the sandbox through both bridges. Every upstream is a
// loopback server started here; denied requests never leave the proxy.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { createSandboxExecBackend } from "../../src/sandbox/bwrap-backend.js";
import { findInPath } from "../../src/sandbox/network-plan.js";
import {
  hostMatches,
  isHostAllowed,
  isInternalAddress,
  startAllowlistProxy,
} from "../../src/sandbox/proxy.js";
import { hostTempDir, requireSandbox } from "./helpers.js";

const tmp = hostTempDir("proxy");
let upstream: http.Server;
let port = 0;
before(async () => {
  upstream = http.createServer((req, res) => res.end(`hello ${req.method} ${req.url}\n`));
  // A CONNECT tunnel carries raw bytes; plain HTTP over it reaches the same handler.
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  port = (upstream.address() as net.AddressInfo).port;
});
after(() => {
  upstream.close();
  tmp.cleanup();
});

/** A plain HTTP request through the proxy listening on `socketPath`. */
const viaProxy = (socketPath: string, url: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      { socketPath, path: url, method: "GET", headers: { host: new URL(url).host } },
      (res) => {
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });

/** A CONNECT through the proxy; once established, one GET through the tunnel. Everything read. */
const connectVia = (socketPath: string, authority: string) =>
  new Promise<string>((resolve, reject) => {
    const s = net.connect(socketPath, () => {
      s.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n\r\n`);
    });
    let got = "";
    s.on("data", (d) => {
      got += d.toString();
      if (got.startsWith("HTTP/1.1 200") && got.includes("\r\n\r\n") && !got.includes("hello")) {
        s.write(`GET /tunnel HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
      }
    });
    s.on("end", () => resolve(got));
    s.on("error", reject);
  });

describe("allowlist matching", () => {
  it("matches exact names, subdomain wildcards and *, case-insensitively", () => {
    assert.ok(hostMatches("api.github.com", "api.github.com"));
    assert.ok(hostMatches("API.GitHub.com.", "api.github.com"));
    assert.ok(hostMatches("a.b.example.com", "*.example.com"));
    assert.ok(!hostMatches("example.com", "*.example.com"));
    assert.ok(!hostMatches("evilexample.com", "*.example.com"));
    assert.ok(!hostMatches("example.com.evil.net", "example.com"));
    assert.ok(hostMatches("[::1]", "::1"));
    assert.ok(hostMatches("anything.test", "*"));
    assert.ok(!isHostAllowed("x.test", []));
  });
});

describe("allowlist proxy", () => {
  const socketPath = path.join(tmp.dir, "p.sock");
  let close: () => Promise<void>;
  before(async () => {
    ({ close } = await startAllowlistProxy({ allow: ["127.0.0.1"], socketPath }));
  });
  after(() => close());

  it("forwards plain HTTP to an allowed host", async () => {
    const res = await viaProxy(socketPath, `http://127.0.0.1:${port}/a?b=1`);
    assert.equal(res.status, 200);
    assert.equal(res.body, "hello GET /a?b=1\n");
  });

  it("refuses other hosts with 403 and a body that says why and how to allow", async () => {
    const res = await viaProxy(socketPath, `http://localhost:${port}/`);
    assert.equal(res.status, 403);
    assert.match(
      res.body,
      /"localhost" is not allowed \(allowed: 127\.0\.0\.1\).*add it to the agent's network allow list/,
    );
  });

  it("tunnels CONNECT to an allowed host and refuses the rest", async () => {
    const ok = await connectVia(socketPath, `127.0.0.1:${port}`);
    assert.match(ok, /^HTTP\/1\.1 200 Connection Established/);
    assert.match(ok, /hello GET \/tunnel/);
    const denied = await connectVia(socketPath, "blocked.example:443");
    assert.match(denied, /^HTTP\/1\.1 403 Forbidden/);
    assert.match(denied, /"blocked\.example" is not allowed/);
    assert.match(await connectVia(socketPath, "no-port"), /^HTTP\/1\.1 400/);
  });
});

describe("wildcard entries and internal addresses", () => {
  it("classifies loopback, private, link-local and mapped addresses as internal", () => {
    for (const a of ["127.0.0.1", "127.9.9.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1"])
      assert.ok(isInternalAddress(a), a);
    for (const a of ["169.254.169.254", "0.0.0.0", "100.64.0.1", "::1", "[::1]", "::", "fd00::1", "fe80::1"])
      assert.ok(isInternalAddress(a), a);
    assert.ok(isInternalAddress("::ffff:127.0.0.1"));
    for (const a of ["8.8.8.8", "172.32.0.1", "1.1.1.1", "2606:4700::1111", "example.com"])
      assert.ok(!isInternalAddress(a), a);
  });

  it("`*` does not reach this machine, by address or by a name resolving to it; a named entry does", async () => {
    const star = path.join(tmp.dir, "star.sock");
    const named = path.join(tmp.dir, "named.sock");
    const a = await startAllowlistProxy({ allow: ["*"], socketPath: star });
    const b = await startAllowlistProxy({ allow: ["*", "127.0.0.1"], socketPath: named });
    try {
      const direct = await viaProxy(star, `http://127.0.0.1:${port}/x`);
      assert.equal(direct.status, 403);
      assert.match(direct.body, /"127\.0\.0\.1" is an internal address.*add the exact host/);
      // "localhost" passes the name check, then resolves to loopback: refused at connect time.
      const byName = await viaProxy(star, `http://localhost:${port}/x`);
      assert.equal(byName.status, 502);
      assert.match(byName.body, /an internal address/);
      assert.match(
        await connectVia(star, `127.0.0.1:${port}`),
        /^HTTP\/1\.1 403 Forbidden[\s\S]*internal address/,
      );
      assert.match(await connectVia(star, `localhost:${port}`), /^HTTP\/1\.1 502[\s\S]*internal address/);
      const ok = await viaProxy(named, `http://127.0.0.1:${port}/y`);
      assert.equal(ok.status, 200);
      assert.equal(ok.body, "hello GET /y\n");
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("sandbox with a network allowlist", () => {
  before(requireSandbox);
  const ws = path.join(tmp.dir, "ws");
  fs.mkdirSync(ws, { recursive: true });
  const bridges: ("node" | "socat")[] = [
    "node",
    ...(findInPath("socat", process.env.PATH ?? "") ? (["socat"] as const) : []),
  ];

  for (const bridge of bridges) {
    it(`reaches allowed hosts only, through the ${bridge} bridge`, async () => {
      assert.ok(
        findInPath("curl", process.env.PATH ?? ""),
        "curl is needed for this test: apt-get install curl",
      );
      const backend = createSandboxExecBackend({
        workspace: ws,
        stateDir: path.join(tmp.dir, "state"),
        network: { allow: ["localhost"], bridge },
      });
      const run = (command: string) =>
        backend.run({ command, cwd: ws, timeoutMs: 30_000, maxOutputBytes: 30_000 });
      try {
        const ok = await run(`curl -sS http://localhost:${port}/inside`);
        assert.equal(ok.output, "hello GET /inside\n");
        const byAddress = await run(`curl -sS -w ' %{http_code}' http://127.0.0.1:${port}/`);
        assert.match(byAddress.output, /"127\.0\.0\.1" is not allowed.* 403$/s);
        const tls = await run("curl -sS https://blocked.example/ 2>&1; echo rc=$?");
        assert.match(tls.output, /403/);
        const direct = await run(
          `curl -sS --noproxy '*' --max-time 5 http://127.0.0.1:${port}/ 2>&1; echo rc=$?`,
        );
        assert.match(direct.output, /rc=7/, "no route around the proxy");
      } finally {
        await backend.close();
      }
    });
  }
});
