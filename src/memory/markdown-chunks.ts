// Splits a Markdown memory file into chunks with exact line ranges: each list item (with its
// indented continuation lines), each paragraph, each fenced code block. Headings are not chunks of
// their own; they prefix the chunks under them so "## Preferences" still matches. Long blocks are
// cut at line boundaries so no chunk is larger than MAX_CHUNK characters.
import type { ChunkInput } from "./types.js";

const MAX_CHUNK = 1500;
const ISO_DATE = /\b(\d{4})-(\d{2})-(\d{2})\b/;

/** Chunks of `text`; `date` (epoch ms) is used for chunks that carry no ISO date of their own. */
export function markdownChunks(text: string, date?: number): ChunkInput[] {
  const lines = text.replaceAll("\r\n", "\n").split("\n");
  const out: ChunkInput[] = [];
  const headings: string[] = [];
  let start = -1;
  let fence = false;
  const flush = (end: number) => {
    if (start < 0) return;
    emit(out, lines, start, end, headings, date);
    start = -1;
  };
  for (const [i, line] of lines.entries()) {
    if (fence) {
      if (/^\s*(```|~~~)/.test(line)) {
        fence = false;
        flush(i);
      }
      continue;
    }
    if (/^\s*(```|~~~)/.test(line)) {
      flush(i - 1);
      start = i;
      fence = true;
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      flush(i - 1);
      headings.length = h[1].length - 1;
      headings[h[1].length - 1] = h[2].trim();
      continue;
    }
    if (line.trim() === "") {
      flush(i - 1);
      continue;
    }
    if (/^\s{0,3}([-*+]|\d+[.)])\s+/.test(line)) flush(i - 1);
    if (start < 0) start = i;
  }
  flush(lines.length - 1);
  return out;
}

function emit(
  out: ChunkInput[],
  lines: string[],
  from: number,
  to: number,
  headings: string[],
  date?: number,
) {
  while (to >= from && lines[to].trim() === "") to--;
  let a = from;
  while (a <= to) {
    let b = a;
    let size = lines[a].length;
    while (b < to && size + lines[b + 1].length + 1 <= MAX_CHUNK) size += lines[++b].length + 1;
    const body = lines.slice(a, b + 1).join("\n");
    const context = headings.filter(Boolean).join(" › ");
    const own = ISO_DATE.exec(body);
    const ts = own ? Date.UTC(+own[1], +own[2] - 1, +own[3]) : date;
    out.push({
      ref: `L${a + 1}-L${b + 1}`,
      role: "note",
      ...(ts !== undefined && !Number.isNaN(ts) ? { ts } : {}),
      text: body,
      ...(context ? { context } : {}),
      lines: [a + 1, b + 1],
    });
    a = b + 1;
  }
}
