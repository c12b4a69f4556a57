// A small client of a running daemon, for the CLI: a fast health probe (so `ratchet run` start-up
// stays lean when no daemon runs) and send-and-stream over the WebSocket API.
import type { AgentEvent, RunResult } from "../loop/events.js";
import type { GatewayEvent } from "./events.js";
import { readToken } from "./token.js";

/** Where a daemon answers, and the token to use. */
export interface DaemonAddress {
  url: string;
  token: string;
}

/** Finds a daemon on 127.0.0.1:`port` with this home's token; undefined after `timeoutMs`. */
export async function probeDaemon(
  home: string,
  port: number,
  timeoutMs = 50,
): Promise<DaemonAddress | undefined> {
  const token = readToken(home);
  if (!token) return undefined;
  const url = `http://127.0.0.1:${port}`;
  try {
    const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json()) as { ok?: unknown };
    return res.ok && body.ok === true ? { url, token } : undefined;
  } catch {
    return undefined;
  }
}

/** Sends one message and streams its run's agent events until the message is done or failed. */
export async function sendViaDaemon(
  d: DaemonAddress,
  msg: { text: string; sessionId?: string; workspace?: string; model?: string },
  onEvent: (ev: AgentEvent) => void,
): Promise<{ sessionId: string; status: string; result?: RunResult; error?: string }> {
  const { WebSocket } = await import("ws");
  const ws = new WebSocket(`${d.url.replace(/^http/, "ws")}/api/ws`, ["ratchet.v1", `bearer.${d.token}`]);
  return new Promise((resolve, reject) => {
    let messageId: string | undefined;
    let sessionId = msg.sessionId ?? "";
    let result: RunResult | undefined;
    ws.on("error", reject);
    ws.on("open", () => ws.send(JSON.stringify({ type: "send", id: 1, ...msg })));
    ws.on("close", () => reject(new Error("the daemon closed the connection")));
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString()) as {
        type: string;
        messageId?: string;
        sessionId?: string;
        message?: string;
        event?: GatewayEvent;
      };
      if (f.type === "error") return reject(new Error(f.message));
      if (f.type === "ack") {
        messageId = f.messageId;
        sessionId = f.sessionId ?? sessionId;
        return;
      }
      const ev = f.event;
      if (f.type !== "event" || !ev || !messageId) return;
      if (ev.type === "agent" && ev.messageIds.includes(messageId)) {
        if (ev.event.type === "run_end") result = ev.event.result;
        onEvent(ev.event);
      }
      if (
        ev.type === "message" &&
        ev.messageId === messageId &&
        (ev.status === "done" || ev.status === "failed")
      ) {
        ws.removeAllListeners("close");
        ws.close();
        resolve({
          sessionId,
          status: ev.status,
          ...(result ? { result } : {}),
          ...(ev.error ? { error: ev.error } : {}),
        });
      }
    });
  });
}
