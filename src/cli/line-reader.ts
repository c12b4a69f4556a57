// Lines from a readline interface on demand, so `ratchet chat` can take the next line either as a
// new message or, while a run waits for an approval, as the answer to its question.
import type { Interface } from "node:readline";

/** Pull-based reader of an interface's lines. */
export class LineReader {
  private buffer: string[] = [];
  private waiters: ((line: string | undefined) => void)[] = [];
  private closed = false;

  constructor(rl: Interface) {
    rl.on("line", (line) => {
      const w = this.waiters.shift();
      if (w) w(line);
      else this.buffer.push(line);
    });
    rl.on("close", () => {
      this.closed = true;
      this.interrupt();
    });
  }

  /** The next line; undefined once the input has ended. */
  next(): Promise<string | undefined> {
    if (this.buffer.length > 0) return Promise.resolve(this.buffer.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Answers everyone waiting with undefined (Ctrl-C during a question means no). */
  interrupt(): void {
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
