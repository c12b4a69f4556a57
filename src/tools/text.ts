// Small byte/text helpers shared by the workspace tools.

/** Files bigger than this are not loaded whole; the model is pointed at grep or exec instead. */
export const MAX_TEXT_FILE_BYTES = 10 * 1024 * 1024;

/** Git's heuristic: a NUL byte in the first 8000 bytes means binary. */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8000).includes(0);
}

/** Decodes UTF-8; invalid sequences become U+FFFD rather than throwing. */
export function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** Largest cut ≤ `end` that does not split a UTF-8 sequence (bytes before the cut are kept). */
export function utf8SafeEnd(buf: Uint8Array, end: number): number {
  let e = Math.min(end, buf.length);
  while (e > 0 && e < buf.length && (buf[e] & 0xc0) === 0x80) e--;
  return e;
}

/** Smallest cut ≥ `start` that does not split a UTF-8 sequence (bytes from the cut are kept). */
export function utf8SafeStart(buf: Uint8Array, start: number): number {
  let s = Math.max(start, 0);
  while (s < buf.length && (buf[s] & 0xc0) === 0x80) s++;
  return s;
}

/** Human-readable byte size, e.g. "50 KB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** 1-based line number of a character index. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** Splits text into lines; a trailing newline does not start another line. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}
