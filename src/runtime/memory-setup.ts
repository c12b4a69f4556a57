// Memory for one run: the three memory tools and the compaction transform, wired to the workspace's
// memory files, the session transcripts and the session journal. Nothing heavy loads here: the
// index (SQLite, stemmer) opens on the first memory tool call or the first compaction flush.
import type { AnyTool } from "../loop/tool.js";
import { type CompactionRecord, createCompactor } from "../memory/compaction.js";
import type { Memory } from "../memory/memory.js";
import { createMemoryTools } from "../memory/tools.js";
import type { Message, ModelSpec, StreamFn } from "../models/types.js";
import type { RatchetConfig } from "./config.js";
import type { SessionStore } from "./session-store.js";

/** Context window assumed when the config names none for the model. */
export const DEFAULT_CONTEXT_WINDOW = 128_000;

/** Memory of one run. */
export interface RunMemory {
  tools: AnyTool[];
  /** The compaction transform for a session, or undefined when compaction is off. */
  compactor(o: {
    sessionId: string;
    model: ModelSpec;
    stream: StreamFn;
    fixedChars: number;
  }): ((messages: Message[], signal: AbortSignal) => Promise<Message[]>) | undefined;
  /** Closes the index if it was opened. */
  close(): void;
}

/** Sets up memory for a run in `workspace`; undefined when `memory.enabled` is false. */
export function createRunMemory(o: {
  home: string;
  workspace: string;
  config: RatchetConfig;
  store: SessionStore;
  env: NodeJS.ProcessEnv;
  onWarning?: (message: string) => void;
}): RunMemory | undefined {
  const cfg = o.config.memory ?? {};
  if (cfg.enabled === false) return undefined;
  let opened: Promise<Memory> | undefined;
  let memory: Memory | undefined;
  const open = () => {
    opened ??= (async () => {
      const [{ Memory, defaultIndexFile }, { configuredEmbedder }, { sessionTranscripts }] =
        await Promise.all([
          import("../memory/memory.js"),
          import("../memory/embeddings.js"),
          import("./memory-transcripts.js"),
        ]);
      const e = cfg.embeddings;
      memory = new Memory({
        workspace: o.workspace,
        indexFile: defaultIndexFile(o.home, o.workspace),
        ...(cfg.sessions !== false ? { transcripts: sessionTranscripts(o.store, o.workspace) } : {}),
        ...(e ? { embedder: configuredEmbedder(e, o.env) } : {}),
        ...(o.onWarning ? { onWarning: o.onWarning } : {}),
      });
      return memory;
    })();
    return opened;
  };
  return {
    tools: createMemoryTools(open),
    compactor({ sessionId, model, stream, fixedChars }) {
      if (cfg.compaction?.enabled === false) return undefined;
      const previous = o.store
        .entries(sessionId)
        .filter((e) => e.kind === "compaction")
        .map((e) => e.data as CompactionRecord)
        .at(-1);
      return createCompactor({
        model,
        stream,
        contextWindow: model.contextWindow ?? DEFAULT_CONTEXT_WINDOW,
        ...(cfg.compaction?.threshold !== undefined ? { threshold: cfg.compaction.threshold } : {}),
        ...(cfg.compaction?.keepRecentTokens !== undefined
          ? { keepRecentTokens: cfg.compaction.keepRecentTokens }
          : {}),
        fixedChars,
        ...(previous ? { previous } : {}),
        async flush(facts) {
          if (facts.length > 0) (await open()).write(facts, { origin: `compaction ${sessionId}` });
        },
        record: (c) => void o.store.append(sessionId, "compaction", c),
        onEvent: (e) => {
          if (e.type === "compaction_refused") o.onWarning?.(`compaction refused: ${e.reason}`);
        },
      });
    },
    close: () => memory?.close(),
  };
}
