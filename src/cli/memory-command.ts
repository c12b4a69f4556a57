// `ratchet memory search|get|reindex|stats|import`: the workspace's long-term memory from the shell.
// The workspace is --workspace or the current folder; its session transcripts come from the store.
import { statSync } from "node:fs";
import path from "node:path";
import { configuredEmbedder } from "../memory/embeddings.js";
import { defaultIndexFile, Memory } from "../memory/memory.js";
import { formatHit } from "../memory/tools.js";
import { sessionTranscripts } from "../runtime/memory-transcripts.js";
import { userError } from "../util/errors.js";
import { type CliContext, openContext } from "./context.js";
import { EXIT } from "./exit-codes.js";

interface Common {
  workspace?: string;
  json?: boolean;
}

/** Opens the context and the workspace's memory, runs `fn`, closes both. */
async function withMemory(
  flags: Common,
  fn: (m: Memory, ctx: CliContext) => Promise<number> | number,
): Promise<number> {
  const ctx = openContext();
  const workspace = path.resolve(flags.workspace ?? process.cwd());
  if (!statSync(workspace, { throwIfNoEntry: false })?.isDirectory())
    throw userError(
      "workspace_invalid",
      `Workspace ${workspace} is not a directory. Fix: create it, or pass --workspace DIR.`,
    );
  const cfg = ctx.config.memory ?? {};
  const e = cfg.embeddings;
  const memory = new Memory({
    workspace,
    indexFile: defaultIndexFile(ctx.home, workspace),
    ...(cfg.sessions !== false ? { transcripts: sessionTranscripts(ctx.store, workspace) } : {}),
    ...(e ? { embedder: configuredEmbedder(e, process.env) } : {}),
    onWarning: (m) => process.stderr.write(`ratchet: ${m}\n`),
  });
  try {
    return await fn(memory, ctx);
  } finally {
    memory.close();
    ctx.store.close();
  }
}

/** Prints the best hits for a query. */
export function memorySearch(query: string, flags: Common & { limit?: number }): Promise<number> {
  return withMemory(flags, async (m) => {
    const hits = await m.search(query, { limit: flags.limit ?? 8 });
    if (flags.json) process.stdout.write(`${JSON.stringify(hits)}\n`);
    else if (hits.length === 0) process.stdout.write("No matching memories.\n");
    else
      process.stdout.write(`${hits.map((h, i) => `${formatHit(h, i)}  (score ${h.score})`).join("\n\n")}\n`);
    return EXIT.completed;
  });
}

/** Prints exact lines of a memory file or turns of a conversation. */
export function memoryGet(source: string, flags: Common & { from?: number; to?: number }): Promise<number> {
  return withMemory(flags, (m) => {
    try {
      process.stdout.write(`${m.get(source, flags.from ?? 1, flags.to)}\n`);
      return EXIT.completed;
    } catch (err) {
      throw userError("memory_not_found", (err as Error).message);
    }
  });
}

/** Rebuilds the index from the memory files and transcripts. */
export function memoryReindex(flags: Common): Promise<number> {
  return withMemory(flags, (m) => {
    const t0 = Date.now();
    const r = m.reindex();
    const s = m.stats();
    if (flags.json) process.stdout.write(`${JSON.stringify({ ...r, ...s, ms: Date.now() - t0 })}\n`);
    else
      process.stdout.write(`Reindexed ${r.indexed} sources (${s.chunks} chunks) in ${Date.now() - t0} ms.\n`);
    return EXIT.completed;
  });
}

/** Prints what the index holds. */
export function memoryStats(flags: Common): Promise<number> {
  return withMemory(flags, (m) => {
    const s = m.stats();
    const size = statSync(s.indexFile, { throwIfNoEntry: false })?.size ?? 0;
    if (flags.json) process.stdout.write(`${JSON.stringify({ ...s, bytes: size })}\n`);
    else
      process.stdout.write(
        `${s.files} memory files, ${s.sessions} conversations, ${s.chunks} chunks, ${s.vectors} vectors\nindex: ${s.indexFile} (${(size / 1024).toFixed(0)} KB)\n`,
      );
    return EXIT.completed;
  });
}

/** Imports a JSONL or ChatGPT history; bad lines are reported and skipped. */
export function memoryImport(file: string, flags: Common): Promise<number> {
  return withMemory(flags, (m) => {
    if (!statSync(file, { throwIfNoEntry: false })?.isFile())
      throw userError("import_not_found", `No file ${file}.`);
    const r = m.importFile(file);
    if (flags.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      const where = r.file
        ? r.alreadyImported
          ? ` (already imported as ${r.file})`
          : ` into ${r.file}`
        : "";
      process.stdout.write(
        `Imported ${r.turns} turns in ${r.sessions} conversations (${r.format})${where}.\n`,
      );
    }
    const what = r.format === "jsonl" ? "line" : "conversation";
    for (const p of r.problems.slice(0, 50))
      process.stderr.write(`ratchet: ${file}: ${what} ${p.line}: ${p.message}\n`);
    if (r.problems.length > 50)
      process.stderr.write(`ratchet: … and ${r.problems.length - 50} more problems\n`);
    return r.turns === 0 && r.problems.length > 0 ? EXIT.usage : EXIT.completed;
  });
}
