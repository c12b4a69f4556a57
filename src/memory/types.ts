// Shared shapes of the memory layer: what gets indexed (sources made of chunks) and what a search
// returns. A source is one file or one conversation; a chunk is one turn or one block of lines.

/** Who wrote a chunk: a conversation turn's role, or "note" for text in a memory file. */
export type ChunkRole = "user" | "assistant" | "note";

/** One unit of retrieval: a conversation turn, or a block of lines of a memory file. */
export interface ChunkInput {
  /** Turn id (conversations) or "L<start>-L<end>" (files); unique within its source. */
  ref: string;
  role: ChunkRole;
  /** When it was said or written, epoch ms; undefined when unknown. */
  ts?: number;
  text: string;
  /** Indexed with the text but not shown (e.g. the headings a note sits under). */
  context?: string;
  /** 1-based first and last line, for chunks of files. */
  lines?: [number, number];
}

/** A file or a conversation, indexed as a whole (for source-level evidence) and chunk by chunk. */
export interface SourceInput {
  /** Unique key, e.g. "file:MEMORY.md" or "session:4f2a…". */
  key: string;
  kind: "file" | "session";
  /** What a person reads: a workspace-relative path or a session id. */
  label: string;
  /** Date of the source (a note's day, a conversation's start), epoch ms. */
  ts?: number;
  /** Changes whenever the source's content may have changed (mtime and size, entry count…). */
  fingerprint: string;
  chunks: ChunkInput[];
}

/** One search result. */
export interface MemoryHit {
  /** File path (workspace-relative) or session id. */
  source: string;
  kind: "file" | "session";
  /** Turn id, or "L<start>-L<end>" for files. */
  ref: string;
  /** 1-based position of the turn in its conversation (for memory_get). */
  turn?: number;
  lines?: [number, number];
  role: ChunkRole;
  /** ISO date-time of the chunk, when known. */
  date?: string;
  score: number;
  text: string;
}
