// How a sandbox with a network allowlist reaches the host proxy: the proxy listens on a Unix
// socket in a private host dir, the socket is bound into the sandbox, and a bridge started by the
// prelude listens on 127.0.0.1:PROXY_BRIDGE_PORT in the sandbox's own network namespace (which
// has only loopback), so HTTP_PROXY=http://127.0.0.1:3128 works for curl, pip, git, npm. socat
// starts in a few ms; without it the host's node binary bridges, at the cost of its start-up
// (~40 ms on an idle machine) on every command.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BridgeSpec } from "./wrapper.js";

/** Port of the bridge inside the sandbox (its network namespace is private, so any port is free). */
export const PROXY_BRIDGE_PORT = 3128;

/** The network part of the sandbox options. */
export interface NetworkOptions {
  /** Domains reachable through the proxy: exact names, `*.example.com`, or `*`. */
  allow: string[];
  /** Bridge program inside the sandbox; "auto" (default) prefers socat. */
  bridge?: "auto" | "socat" | "node";
}

/** What the backend needs to wire the proxy in. */
export interface NetworkPlan {
  bridge: BridgeSpec;
  /** Private dir holding the proxy socket; removed on close. */
  dir: string;
  /** Host programs the bridge runs, to re-expose if they live under a hidden dir. */
  exposeReadOnly: string[];
  /** Proxy variables for the command's environment. */
  env: Record<string, string>;
}

/** Finds an executable in a PATH string. */
export function findInPath(name: string, envPath: string): string | undefined {
  for (const dir of envPath.split(":")) {
    const p = path.join(dir || ".", name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Plans the bridge and creates the proxy's private dir; throws if socat is required but missing. */
export function planNetwork(net: NetworkOptions, envPath: string): NetworkPlan {
  const socat = net.bridge === "node" ? undefined : findInPath("socat", envPath);
  if (net.bridge === "socat" && !socat)
    throw new Error("network.bridge is socat, but socat is not installed");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ratchet-proxy-"));
  const socketPath = path.join(dir, "proxy.sock");
  const bridge: BridgeSpec = socat
    ? { kind: "socat", port: PROXY_BRIDGE_PORT, socketPath, socatPath: socat }
    : { kind: "node", port: PROXY_BRIDGE_PORT, socketPath, nodePath: process.execPath };
  const url = `http://127.0.0.1:${PROXY_BRIDGE_PORT}`;
  const env: Record<string, string> = { NO_PROXY: "", no_proxy: "" };
  for (const k of ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"])
    env[k] = url;
  return { bridge, dir, exposeReadOnly: [socat ?? process.execPath], env };
}
