// Conversation histories from other tools, read into one shape: turns of
// {session, date (ISO-8601), role, text, id}. Two formats:
//  - JSONL, one turn a line: {"session": id, "date": ISO-8601, "role": "user"|"assistant", "text": …, "id"?: turn id}
//  - a ChatGPT data export's conversations.json: an array of conversations whose `mapping` is a tree of
//    messages; the path from the root to `current_node` is the conversation as the user last saw it.
// A bad line or conversation is reported with its line number (or index) and skipped; the rest is read.

/** One turn of an imported conversation. */
export interface ImportedTurn {
  session: string;
  /** ISO-8601 date-time. */
  date: string;
  role: "user" | "assistant";
  text: string;
  id: string;
}

/** A problem with one line (JSONL, 1-based) or one conversation (ChatGPT, 0-based index). */
export interface ImportProblem {
  line: number;
  message: string;
}

/** What was read from a file. */
export interface ParsedHistory {
  format: "jsonl" | "chatgpt";
  turns: ImportedTurn[];
  problems: ImportProblem[];
}

const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Reads either format, told apart by the first non-space character ("[" is a ChatGPT export). */
export function parseHistory(text: string): ParsedHistory {
  const body = text.replace(/^\uFEFF/, "");
  return body.trimStart().startsWith("[") ? parseChatGpt(body) : parseTurnsJsonl(body);
}

/** Parses JSONL turns; turns without an id get their position in the session. */
export function parseTurnsJsonl(text: string): ParsedHistory {
  const turns: ImportedTurn[] = [];
  const problems: ImportProblem[] = [];
  const counts = new Map<string, number>();
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "") continue;
    const problem = (message: string) => problems.push({ line: i + 1, message });
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      problem("not valid JSON");
      continue;
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      problem("not a JSON object");
      continue;
    }
    const o = v as Record<string, unknown>;
    const session = typeof o.session === "number" ? String(o.session) : o.session;
    if (typeof session !== "string" || session.trim() === "") {
      problem('"session" must be a non-empty string');
      continue;
    }
    if (typeof o.date !== "string" || !ISO.test(o.date) || Number.isNaN(Date.parse(o.date))) {
      problem('"date" must be an ISO-8601 date, like "2024-03-05T14:30:00Z"');
      continue;
    }
    if (o.role !== "user" && o.role !== "assistant") {
      problem('"role" must be "user" or "assistant"');
      continue;
    }
    if (typeof o.text !== "string" || o.text.trim() === "") {
      problem('"text" must be a non-empty string');
      continue;
    }
    if (o.id !== undefined && typeof o.id !== "string" && typeof o.id !== "number") {
      problem('"id" must be a string or a number');
      continue;
    }
    const n = (counts.get(session) ?? 0) + 1;
    counts.set(session, n);
    turns.push({
      session,
      date: new Date(Date.parse(o.date)).toISOString(),
      role: o.role,
      text: o.text,
      id: o.id !== undefined ? String(o.id) : String(n),
    });
  }
  return { format: "jsonl", turns, problems };
}

interface ChatGptNode {
  parent?: string | null;
  message?: {
    author?: { role?: string };
    create_time?: number | null;
    content?: { content_type?: string; parts?: unknown[] };
    metadata?: { is_visually_hidden_from_conversation?: boolean };
  } | null;
}

/** Parses a ChatGPT export: each conversation's branch ending at `current_node`, text turns only. */
export function parseChatGpt(text: string): ParsedHistory {
  const turns: ImportedTurn[] = [];
  const problems: ImportProblem[] = [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return {
      format: "chatgpt",
      turns,
      problems: [{ line: 0, message: `not valid JSON: ${(err as Error).message}` }],
    };
  }
  if (!Array.isArray(data))
    return {
      format: "chatgpt",
      turns,
      problems: [{ line: 0, message: "expected an array of conversations" }],
    };
  data.forEach((conv: unknown, index) => {
    const c = conv as {
      id?: string;
      conversation_id?: string;
      create_time?: number;
      mapping?: Record<string, ChatGptNode>;
      current_node?: string;
    };
    const session = c?.conversation_id ?? c?.id ?? `conversation-${index}`;
    if (!c || typeof c.mapping !== "object" || c.mapping === null) {
      problems.push({ line: index, message: `conversation ${index}: no "mapping"` });
      return;
    }
    const mapping = c.mapping;
    let node = c.current_node ?? lastLeaf(mapping);
    const path: ChatGptNode[] = [];
    const seen = new Set<string>();
    while (node && mapping[node] && !seen.has(node)) {
      seen.add(node);
      path.push(mapping[node]);
      node = mapping[node].parent ?? undefined;
    }
    let n = 0;
    for (const m of path.reverse().map((x) => x.message)) {
      const role = m?.author?.role;
      if (!m || (role !== "user" && role !== "assistant") || m.metadata?.is_visually_hidden_from_conversation)
        continue;
      const parts = (m.content?.parts ?? []).filter((p): p is string => typeof p === "string");
      const body = parts.join("\n").trim();
      if (body === "") continue;
      const seconds = m.create_time ?? c.create_time;
      if (typeof seconds !== "number") {
        problems.push({
          line: index,
          message: `conversation ${index}: a message has no create_time; skipped`,
        });
        continue;
      }
      turns.push({
        session: String(session),
        date: new Date(seconds * 1000).toISOString(),
        role,
        text: body,
        id: String(++n),
      });
    }
  });
  return { format: "chatgpt", turns, problems };
}

/** A leaf of the tree when `current_node` is missing: the last node without children. */
function lastLeaf(mapping: Record<string, ChatGptNode & { children?: string[] }>): string | undefined {
  const ids = Object.keys(mapping).filter((k) => (mapping[k].children ?? []).length === 0);
  return ids.at(-1);
}
