// The memory of one workspace: its files and transcripts (the truth) and the derived index, with the
// operations the tools and the CLI need. Every operation first brings the index up to date
// (incrementally), and an index found damaged at any point is deleted and rebuilt from the truth,
// then the operation is retried once — a corrupt index never loses data and never surfaces as an
// error the user must fix by hand.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import { type Embedder, embedMissing } from "./embeddings.js";
import { type ImportProblem, parseHistory } from "./import-formats.js";
import { IndexDb, isCorruption, removeIndexFile } from "./index-db.js";
import {
  appendEntry,
  createExclusive,
  dailyNotePath,
  IMPORTS_DIR,
  isoDay,
  LONG_TERM_FILE,
  NOTES_DIR,
} from "./memory-files.js";
import { type SearchOptions, searchMemory } from "./search.js";
import { type SyncReport, syncIndex, type TranscriptSource } from "./sync.js";
import type { MemoryHit } from "./types.js";

/** How to open a workspace's memory. */
export interface MemoryOptions {
  /** Absolute workspace root (where MEMORY.md and memory/ live). */
  workspace: string;
  /** The derived index file (see defaultIndexFile), or ":memory:". */
  indexFile: string;
  transcripts?: TranscriptSource;
  embedder?: Embedder;
  now?: () => number;
  /** Non-fatal problems (an embeddings endpoint that is down, a rebuilt index). */
  onWarning?: (message: string) => void;
}

/** Where the index of `workspace` lives under Ratchet's state folder: one file per workspace. */
export function defaultIndexFile(home: string, workspace: string): string {
  const id = createHash("sha256").update(path.resolve(workspace)).digest("hex").slice(0, 16);
  return path.join(home, "memory", `${id}.sqlite`);
}

/** What `write` appends to. */
export type WriteTarget = "note" | "longterm";

/** Result of importing a history file. */
export interface ImportReport {
  format: "jsonl" | "chatgpt";
  turns: number;
  sessions: number;
  problems: ImportProblem[];
  /** Workspace-relative file the turns were written to (undefined when nothing was importable). */
  file?: string;
  alreadyImported: boolean;
}

/** A workspace's memory. Not shared between threads; any number of processes may open the same one. */
export class Memory {
  private db: IndexDb;
  private readonly now: () => number;

  constructor(private readonly opts: MemoryOptions) {
    this.now = opts.now ?? Date.now;
    this.db = this.open();
  }

  /** Brings the index up to date with the files and transcripts. */
  sync(): SyncReport {
    return this.guard(() => syncIndex(this.db, this.opts.workspace, this.opts.transcripts));
  }

  /** Deletes the index and rebuilds it from scratch. */
  reindex(): SyncReport {
    this.db.close();
    removeIndexFile(this.opts.indexFile);
    this.db = this.open();
    return this.sync();
  }

  /** Searches memory (after syncing; vectors are brought up to date first when an embedder is set). */
  async search(query: string, opts: Omit<SearchOptions, "embedder"> = {}): Promise<MemoryHit[]> {
    this.sync();
    let embedder = this.opts.embedder;
    if (embedder) {
      try {
        await embedMissing(this.db, embedder, opts.signal);
      } catch (err) {
        this.opts.onWarning?.(`embeddings unavailable, searching without them: ${(err as Error).message}`);
        embedder = undefined;
      }
    }
    const run = () => searchMemory(this.db, query, { ...opts, ...(embedder ? { embedder } : {}) });
    try {
      return await run();
    } catch (err) {
      if (isCorruption(err)) {
        this.recover();
        return searchMemory(this.db, query, opts);
      }
      if (embedder) {
        this.opts.onWarning?.(`embeddings unavailable, searching without them: ${(err as Error).message}`);
        return searchMemory(this.db, query, opts);
      }
      throw err;
    }
  }

  /**
   * Exact text of a memory file's lines [from, to] (1-based, inclusive) or of a conversation's
   * turns [from, to] (1-based positions), each line or turn numbered. Throws a readable Error when
   * the source does not exist.
   */
  get(source: string, from = 1, to?: number): string {
    const file = this.memoryFilePath(source);
    if (file) {
      const lines = readFileSync(file, "utf8").replaceAll("\r\n", "\n").split("\n");
      if (lines.at(-1) === "") lines.pop();
      const last = Math.min(lines.length, to ?? from + 199);
      if (from > lines.length) throw new Error(`${source} has ${lines.length} lines.`);
      return lines
        .slice(from - 1, last)
        .map((l, i) => `${from + i}: ${l}`)
        .join("\n");
    }
    this.sync();
    return this.guard(() => {
      const src = this.db.sourceByLabel(source);
      if (!src)
        throw new Error(`No memory file or conversation "${source}". Use a source from memory_search.`);
      const turns = this.db.sourceChunks(src.id, from - 1, (to ?? from + 19) - 1);
      if (turns.length === 0) throw new Error(`${source} has no turn ${from}.`);
      return turns
        .map(
          (t) =>
            `#${t.ord + 1} ${t.role}${t.ts !== null ? ` ${new Date(t.ts).toISOString()}` : ""} (id ${t.ref}):\n${t.text}`,
        )
        .join("\n\n");
    });
  }

  /**
   * Appends facts or notes (one entry each), with their date and origin, to today's note or to
   * MEMORY.md, and indexes them. Returns the workspace-relative file written.
   */
  write(texts: string | string[], opts: { target?: WriteTarget; origin?: string } = {}): string {
    const t = this.now();
    const origin = (opts.origin ?? "agent").replace(/[\]\n]/g, " ");
    const bodies = (Array.isArray(texts) ? texts : [texts])
      .map((x) => x.trim().replace(/\r\n/g, "\n").replace(/\n/g, "\n  "))
      .filter((x) => x !== "");
    if (bodies.length === 0) throw new Error("Nothing to write: the text is empty.");
    const ws = this.opts.workspace;
    const longterm = opts.target === "longterm";
    const rel = longterm ? LONG_TERM_FILE : dailyNotePath(t);
    const time = new Date(t).toISOString().slice(11, 16);
    const lines = bodies.map((b) =>
      longterm ? `- ${b} (${isoDay(t)}, ${origin})\n` : `- ${time} [${origin}] ${b}\n`,
    );
    // One append for all entries: they land together, never interleaved with another writer's.
    appendEntry(
      ws,
      rel,
      `${separator(ws, rel)}${lines.join("")}`,
      longterm ? "# Memory\n\n" : `# ${isoDay(t)}\n\n`,
    );
    this.sync();
    return rel;
  }

  /** Imports a conversation history file (JSONL turns or a ChatGPT export) into memory/imports/. */
  importFile(file: string): ImportReport {
    const content = readFileSync(file, "utf8");
    const parsed = parseHistory(content);
    const sessions = new Set(parsed.turns.map((t) => t.session)).size;
    const report: ImportReport = {
      format: parsed.format,
      turns: parsed.turns.length,
      sessions,
      problems: parsed.problems,
      alreadyImported: false,
    };
    if (parsed.turns.length === 0) return report;
    const lines = parsed.turns.map((t) => JSON.stringify(t)).join("\n");
    const hash = createHash("sha256").update(lines).digest("hex").slice(0, 10);
    const base =
      path
        .basename(file)
        .replace(/\.[^.]*$/, "")
        .replace(/[^\w.-]+/g, "_")
        .slice(0, 60) || "import";
    const rel = `${IMPORTS_DIR}/${base}-${hash}.jsonl`;
    const abs = path.join(this.opts.workspace, rel);
    report.file = rel;
    if (existsSync(abs)) report.alreadyImported = true;
    else createExclusive(abs, `${lines}\n`);
    this.sync();
    return report;
  }

  /** Counts for `ratchet memory stats`. */
  stats(): ReturnType<IndexDb["summary"]> & { indexFile: string } {
    this.sync();
    return { ...this.guard(() => this.db.summary()), indexFile: this.opts.indexFile };
  }

  close(): void {
    this.db.close();
  }

  /** The absolute path of a memory file named by `source`, or undefined if it is not one. */
  private memoryFilePath(source: string): string | undefined {
    const rel = source.replace(/^\.\//, "");
    if (rel !== LONG_TERM_FILE && !rel.startsWith(`${NOTES_DIR}/`)) return undefined;
    const abs = path.resolve(this.opts.workspace, rel);
    if (!existsSync(abs)) return undefined;
    const root = realpathSync(this.opts.workspace);
    const real = realpathSync(abs);
    if (!real.startsWith(`${root}${path.sep}`)) throw new Error(`${source} leads outside the workspace.`);
    return real;
  }

  /** Opens the index; an unusable file is deleted and a fresh one created. */
  private open(): IndexDb {
    try {
      return new IndexDb(this.opts.indexFile);
    } catch (err) {
      if (!isCorruption(err)) throw err;
      this.opts.onWarning?.(
        `memory index ${this.opts.indexFile} was unusable; rebuilding it from the memory files`,
      );
      removeIndexFile(this.opts.indexFile);
      return new IndexDb(this.opts.indexFile);
    }
  }

  private recover(): void {
    this.opts.onWarning?.(
      `memory index ${this.opts.indexFile} is damaged; rebuilding it from the memory files`,
    );
    this.db.close();
    removeIndexFile(this.opts.indexFile);
    this.db = new IndexDb(this.opts.indexFile);
    syncIndex(this.db, this.opts.workspace, this.opts.transcripts);
  }

  /** Runs `fn`; on corruption rebuilds the index and runs it once more. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (!isCorruption(err)) throw err;
      this.recover();
      return fn();
    }
  }
}

/** A newline when the file exists and does not end with one (a hand edit), so entries stay one per line. */
function separator(workspace: string, rel: string): string {
  const abs = path.join(workspace, rel);
  if (!existsSync(abs)) return "";
  const buf = readFileSync(abs);
  return buf.length > 0 && buf[buf.length - 1] !== 0x0a ? "\n" : "";
}
