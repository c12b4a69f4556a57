// Bounded capture of a process's output: keeps the first and last half of the budget and counts
// what was dropped in between, so memory stays bounded however much a command prints.
import { decodeUtf8, utf8SafeEnd, utf8SafeStart } from "./text.js";

/** Collects chunks; `finish` yields the text, with a marker where bytes were omitted. */
export class OutputCapture {
  private readonly headCap: number;
  private readonly tailCap: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private readonly tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  constructor(maxBytes: number) {
    this.headCap = Math.floor(maxBytes / 2);
    this.tailCap = maxBytes - this.headCap;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.headBytes < this.headCap) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      return;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    // Drop whole chunks from the front while the rest still covers the tail budget.
    while (this.tail.length > 1 && this.tailBytes - this.tail[0].length >= this.tailCap) {
      this.tailBytes -= this.tail.shift()!.length;
    }
  }

  finish(): { text: string; truncated: boolean } {
    let head = Buffer.concat(this.head);
    let tail = Buffer.concat(this.tail);
    if (this.total === head.length + tail.length) {
      // Nothing dropped yet: one contiguous buffer, cut (if needed) at the budget boundaries.
      const all = Buffer.concat([head, tail]);
      if (all.length <= this.headCap + this.tailCap) return { text: decodeUtf8(all), truncated: false };
      head = all;
      tail = all;
    }
    const headEnd = utf8SafeEnd(head, this.headCap);
    const tailStart = utf8SafeStart(tail, tail.length - this.tailCap);
    const omitted = this.total - headEnd - (tail.length - tailStart);
    return {
      text: `${decodeUtf8(head.subarray(0, headEnd))}\n[… ${omitted} bytes omitted …]\n${decodeUtf8(tail.subarray(tailStart))}`,
      truncated: true,
    };
  }
}
