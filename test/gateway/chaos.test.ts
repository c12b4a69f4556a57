// Chaos: a supervisor restarts the daemon while a bounded loop SIGKILLs it at random moments
// during a stream of 200 messages. Each message makes the agent run exec with an external side
// effect (appending its idempotency key to a ledger, skipped when the key is already there).
// Asserts: every acknowledged message answered exactly once, every side effect exactly once.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { Sandbox } from "../support/cli.js";
import { api, chaosMonkey, daemonSandbox, startReactiveModel } from "./support.js";

const SESSIONS = 20;
const PER_SESSION = 10;
const MAX_KILLS = 25;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("kill -9 at random moments: 0 lost, 0 duplicated replies and side effects", {
  timeout: 90_000,
}, async () => {
  const model = await startReactiveModel();
  const sb: Sandbox = daemonSandbox(model, { daemon: { maxConcurrentRuns: 8 } });
  const chaos = await chaosMonkey(sb, { seed: 42, maxKills: MAX_KILLS, minGapMs: 150, spreadMs: 450 });

  /** Calls the API on whichever daemon is up, retrying through restarts. */
  const call = async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => {
    for (;;) {
      const d = chaos.current();
      if (d) {
        try {
          const r = await api(d, method, p, body, headers);
          if (r.status < 500) return r;
        } catch {
          // the daemon died under us: retry on the next one
        }
      }
      await sleep(20);
    }
  };

  const acked: { messageId: string; sessionId: string; text: string }[] = [];
  const client = async (s: number) => {
    let sessionId: string | undefined;
    for (let m = 0; m < PER_SESSION; m++) {
      const text = `ledger ledger.txt s${s}-m${m}`;
      const p = sessionId ? `/api/sessions/${sessionId}/messages` : "/api/sessions/messages";
      const r = await call("POST", p, { text }, { "idempotency-key": `chaos-${s}-${m}` });
      assert.equal(r.status, 202, JSON.stringify(r.json));
      const messageId = r.json.messageId as string;
      sessionId = r.json.sessionId as string;
      acked.push({ messageId, sessionId, text });
      for (;;) {
        const st = await call("GET", `/api/messages/${messageId}?wait=2000`);
        if (st.json.status === "done") {
          assert.equal(st.json.reply, `done: ${text}`);
          break;
        }
        assert.notEqual(st.json.status, "failed", JSON.stringify(st.json));
      }
    }
  };
  await Promise.all(Array.from({ length: SESSIONS }, (_, s) => client(s)));
  const { daemon: d, kills } = await chaos.stop();
  assert.ok(d);

  assert.equal(acked.length, SESSIONS * PER_SESSION);
  assert.ok(kills >= 5, `only ${kills} kills happened`);
  // Side effects: exactly one ledger line per message, no line twice.
  const lines = readFileSync(path.join(sb.workspace, "ledger.txt"), "utf8").trim().split("\n");
  assert.equal(new Set(lines).size, lines.length, "a side effect happened twice");
  for (const a of acked)
    assert.equal(
      lines.filter((l) => l.startsWith(`${a.messageId}:`)).length,
      1,
      `side effects of ${a.messageId}`,
    );
  assert.equal(lines.length, acked.length);
  // Replies: each message answered exactly once in its session's log.
  const bySession = new Map<string, string[]>();
  let resumed = 0;
  let repaired = 0;
  for (const sid of new Set(acked.map((a) => a.sessionId))) {
    const r = await api(d, "GET", `/api/sessions/${sid}`);
    const entries = r.json.entries as {
      kind: string;
      data: { role?: string; resumed?: boolean; content?: string | { type: string; text?: string }[] };
    }[];
    resumed += entries.filter((e) => e.kind === "run_start" && e.data.resumed).length;
    repaired += entries.filter(
      (e) => e.data.role === "toolResult" && String(e.data.content).startsWith("Error: interrupted"),
    ).length;
    bySession.set(
      sid,
      entries
        .filter((e) => e.data.role === "assistant")
        .flatMap((e) =>
          Array.isArray(e.data.content)
            ? e.data.content.filter((b) => b.type === "text").map((b) => b.text ?? "")
            : [],
        ),
    );
  }
  for (const a of acked) {
    const replies = (bySession.get(a.sessionId) ?? []).filter((t) => t === `done: ${a.text}`);
    assert.equal(replies.length, 1, `replies to ${a.text}`);
  }
  assert.ok(resumed > 0, "no run was resumed: the kills missed every run");
  process.stderr.write(
    `chaos: ${acked.length} messages, ${kills} SIGKILLs, ${resumed} resumed runs, ${repaired} interrupted tool calls, ${lines.length} side effects\n`,
  );
  await d.stop();
  await model.close();
});
