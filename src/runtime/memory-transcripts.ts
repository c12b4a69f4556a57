// Session transcripts as episodic memory: the memory layer's TranscriptSource over the session
// store, for one workspace. User and assistant text and compaction summaries are indexed; tool
// results and thinking are not (they are bulky and rarely what a person means by "what we said").
import type { TranscriptSource, TranscriptTurn } from "../memory/sync.js";
import type { Message } from "../models/types.js";
import type { SessionStore } from "./session-store.js";

/** The sessions of `workspace` in `store`, each versioned by its last update. */
export function sessionTranscripts(store: SessionStore, workspace: string): TranscriptSource {
  return {
    list: () =>
      store
        .list(Number.MAX_SAFE_INTEGER)
        .filter((s) => s.workspace === workspace)
        .map((s) => ({ id: s.id, version: String(s.updatedAt) })),
    turns(id) {
      const out: TranscriptTurn[] = [];
      for (const e of store.entries(id)) {
        if (e.kind === "compaction") {
          const summary = (e.data as { summary?: string }).summary;
          if (summary)
            out.push({ ref: String(e.seq), role: "assistant", ts: e.ts, text: `[summary] ${summary}` });
          continue;
        }
        if (e.kind !== "message") continue;
        const m = e.data as Message;
        const text =
          m.role === "user"
            ? m.content
            : m.role === "assistant"
              ? m.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("\n")
              : "";
        if (text.trim() !== "" && m.role !== "toolResult")
          out.push({ ref: String(e.seq), role: m.role, ts: e.ts, text });
      }
      return out;
    },
  };
}
