// LongMemEval-S items as the memory benchmark reads them: the haystack as memory sources (one per
// session, its turns as chunks with the official turn ids), the evidence per the official
// retrieval protocol, and the protocol's metrics for one ranking.
import type { SourceInput } from "../src/memory/types.js";
import { retrievalMetrics } from "./memory-metrics.js";

export interface Turn {
  role: "user" | "assistant";
  content: string;
  has_answer?: boolean;
}

export interface Item {
  question_id: string;
  question_type: string;
  question: string;
  question_date: string;
  haystack_dates: string[];
  haystack_session_ids: string[];
  haystack_sessions: Turn[][];
}

/** Metric values of one question for one system. */
export interface Scores {
  sAny5: number;
  sAll5: number;
  sNdcg10: number;
  tAny10: number;
  tAll10: number;
}

/** "2023/03/27 (Mon) 23:35" → epoch ms (the dataset's dates carry no zone; read as UTC). */
export function parseLmeDate(s: string): number {
  const m = /^(\d{4})\/(\d{2})\/(\d{2})(?: \(\w+\))?(?: (\d{2}):(\d{2}))?/.exec(s);
  if (!m) throw new Error(`bad date ${s}`);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0));
}

/** The haystack as memory sources: one per session, its user turns as chunks with the official ids. */
export function sourcesOf(item: Item, roles: readonly string[] = ["user"], suffix = ""): SourceInput[] {
  return item.haystack_sessions.map((turns, i) => {
    const sid = item.haystack_session_ids[i] + suffix;
    const ts = parseLmeDate(item.haystack_dates[i]);
    return {
      key: `session:${sid}`,
      kind: "session",
      label: sid,
      ts,
      fingerprint: "",
      chunks: turns.flatMap((t, j) =>
        roles.includes(t.role) ? [{ ref: `${sid}_${j + 1}`, role: t.role, ts, text: t.content }] : [],
      ),
    };
  });
}

/** Evidence ids per the protocol: answer sessions with an evidence user turn, and those turns. */
export function evidence(item: Item): { sessions: Set<string>; turns: Set<string> } {
  const sessions = new Set<string>();
  const turns = new Set<string>();
  item.haystack_sessions.forEach((ts, i) => {
    const sid = item.haystack_session_ids[i];
    if (!sid.includes("answer")) return;
    ts.forEach((t, j) => {
      if (t.role === "user" && t.has_answer) {
        sessions.add(sid);
        turns.add(`${sid}_${j + 1}`);
      }
    });
  });
  return { sessions, turns };
}

export function score(
  sessions: string[],
  turns: string[],
  ev: { sessions: Set<string>; turns: Set<string> },
): Scores {
  const s5 = retrievalMetrics(sessions, ev.sessions, 5);
  const s10 = retrievalMetrics(sessions, ev.sessions, 10);
  const t10 = retrievalMetrics(turns, ev.turns, 10);
  return { sAny5: s5.any, sAll5: s5.all, sNdcg10: s10.ndcg, tAny10: t10.any, tAll10: t10.all };
}
