// A push-based async iterable with a final result: the producer runs at its own pace and
// events are buffered until a consumer reads them.

export class EventStream<E, R> implements AsyncIterable<E> {
  private queue: E[] = [];
  private waiting: ((r: IteratorResult<E>) => void) | undefined;
  private ended = false;
  private resolveResult!: (r: R) => void;
  /** Resolves with the final result once the producer ends. */
  readonly result: Promise<R>;

  constructor() {
    this.result = new Promise((resolve) => {
      this.resolveResult = resolve;
    });
  }

  /** Queues an event for the consumer. */
  push(event: E): void {
    if (this.ended) return;
    const w = this.waiting;
    if (w) {
      this.waiting = undefined;
      w({ value: event, done: false });
    } else this.queue.push(event);
  }

  /** Ends the stream and settles `result`. */
  end(result: R): void {
    if (this.ended) return;
    this.ended = true;
    this.resolveResult(result);
    const w = this.waiting;
    this.waiting = undefined;
    w?.({ value: undefined, done: true });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<E> {
    for (;;) {
      if (this.queue.length > 0) {
        yield this.queue.shift()!;
        continue;
      }
      if (this.ended) return;
      const next = await new Promise<IteratorResult<E>>((resolve) => {
        this.waiting = resolve;
      });
      if (next.done) return;
      yield next.value;
    }
  }
}
