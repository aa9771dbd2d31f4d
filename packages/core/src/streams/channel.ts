/**
 * Where a streaming output's items go while its task runs. `write` returns nothing while there is
 * room and a promise when the reader is behind: awaiting it is the back-pressure. Once the reader
 * has stopped (`closed`), writes are dropped and a producer should stop making items.
 */
export interface IStreamSink<T = unknown> {
  write(item: T): void | Promise<void>;
  /** No more items. */
  end(): void;
  /** The producer failed: the reader's iteration throws `error`. */
  fail(error: unknown): void;
  /** True once the reader stopped reading (it ended early or failed): further items are dropped. */
  readonly closed: boolean;
}

/**
 * A bounded queue between one producer and one consumer in the same thread: the producer writes
 * through `IStreamSink`, the consumer reads it with `for await`. At most `highWaterMark` items wait;
 * past that a write returns a promise that resolves when the reader has taken one. Items are handed
 * over without copies, and a reader that finds items queued takes them without waiting a turn.
 */
export class StreamChannel<T = unknown> implements IStreamSink<T>, AsyncIterable<T> {
  private queue: T[] = [];
  private head = 0;
  private ended = false;
  private error: { reason: unknown } | undefined;
  private stopped = false;
  private reader: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private writers: Array<() => void> = [];
  /** The producer's own iterable, read straight by the reader (see `handOver`). */
  private direct: { it: AsyncIterator<T>; resolve: () => void; reject: (e: unknown) => void } | undefined;
  private returned = false;
  private readonly highWaterMark: number;

  constructor(options: { highWaterMark?: number } = {}) {
    this.highWaterMark = options.highWaterMark ?? 64;
  }

  get closed(): boolean {
    return this.stopped;
  }

  /** Items waiting to be read. */
  get buffered(): number {
    return this.queue.length - this.head;
  }

  write(item: T): void | Promise<void> {
    if (this.stopped || this.ended || this.error) return;
    const r = this.reader;
    if (r) {
      this.reader = undefined;
      r.resolve({ value: item, done: false });
      return;
    }
    this.queue.push(item);
    if (this.queue.length - this.head < this.highWaterMark) return;
    return new Promise<void>((resolve) => this.writers.push(resolve));
  }

  end(): void {
    if (this.ended || this.error) return;
    this.ended = true;
    const r = this.reader;
    if (r && this.buffered === 0) {
      this.reader = undefined;
      r.resolve({ value: undefined, done: true });
    }
  }

  fail(error: unknown): void {
    if (this.ended || this.error) return;
    this.error = { reason: error };
    // The producer's step failed or was cancelled: its iterable is finished too.
    this.finishDirect();
    const r = this.reader;
    if (r && this.buffered === 0) {
      this.reader = undefined;
      r.reject(error);
    }
  }

  /**
   * Let the reader pull straight from `source` (the async iterable a producer returned) instead of
   * through the queue: nothing is queued, and the producer runs exactly as fast as it is read (the
   * tightest back-pressure, and the fastest path between two tasks of one thread). Possible while
   * nothing was written; the promise resolves when the reader is done with the source (rejects with
   * the source's failure). Undefined when it is not possible.
   */
  handOver(source: AsyncIterable<T>): Promise<void> | undefined {
    if (this.queue.length || this.ended || this.error || this.stopped || this.direct) return undefined;
    return new Promise<void>((resolve, reject) => {
      this.direct = { it: source[Symbol.asyncIterator](), resolve, reject };
      const r = this.reader;
      if (r) {
        this.reader = undefined;
        this.pull().then(r.resolve, r.reject);
      }
    });
  }

  private pull(): Promise<IteratorResult<T>> {
    const d = this.direct!;
    return d.it.next().then(
      (r) => {
        if (r.done) {
          this.ended = true;
          d.resolve();
        }
        return r;
      },
      (err: unknown) => {
        this.error = { reason: err };
        d.reject(err);
        throw err;
      },
    );
  }

  /** End a handed-over iterable early (`return()`, once); its pump resolves. */
  private finishDirect(): void {
    const d = this.direct;
    if (!d || this.returned) return;
    this.returned = true;
    void Promise.resolve(d.it.return?.()).then(
      () => d.resolve(),
      () => d.resolve(),
    );
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private next(): Promise<IteratorResult<T>> {
    if (this.direct && !this.ended && !this.error && !this.stopped) return this.pull();
    if (this.head < this.queue.length) {
      const value = this.queue[this.head];
      (this.queue as Array<T | undefined>)[this.head++] = undefined;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      this.release();
      return Promise.resolve({ value, done: false });
    }
    if (this.error) return Promise.reject(this.error.reason);
    if (this.ended || this.stopped) return Promise.resolve({ value: undefined, done: true });
    this.release();
    return new Promise((resolve, reject) => (this.reader = { resolve, reject }));
  }

  /** Let the writers waiting for room go on while the queue is below its mark. */
  private release(): void {
    while (this.writers.length && this.queue.length - this.head < this.highWaterMark) this.writers.shift()!();
  }

  /** The reader is done (it stopped early, or its task ended or failed): what is queued is dropped, and writers go on without waiting. */
  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    // The reader left early: the producer's iterable is finished (its finally blocks run) and its step ends.
    if (!this.ended) this.finishDirect();
    this.queue = [];
    this.head = 0;
    for (const w of this.writers.splice(0)) w();
  }
}

/** True for an object with `Symbol.asyncIterator` (a channel, an async generator, a Node Readable). */
export function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/**
 * Write every item of `source` (sync or async iterable) into `sink`, waiting whenever the sink is
 * full, then end it; a failure of the source fails the sink and is thrown. Stops pulling items
 * once the sink's reader has stopped. An async iterable going into a channel nothing was written
 * to is handed over to its reader instead (`StreamChannel.handOver`), and this resolves when it is read.
 */
export async function pump<T>(source: AsyncIterable<T> | Iterable<T>, sink: IStreamSink<T>): Promise<void> {
  if (sink instanceof StreamChannel && isAsyncIterable(source)) {
    const direct = sink.handOver(source);
    if (direct) return direct;
  }
  try {
    if (isAsyncIterable(source)) {
      for await (const item of source) {
        const w = sink.write(item);
        if (w) await w;
        if (sink.closed) break;
      }
    } else {
      for (const item of source) {
        const w = sink.write(item);
        if (w) await w;
        if (sink.closed) break;
      }
    }
  } catch (err) {
    sink.fail(err);
    throw err;
  }
  sink.end();
}

/**
 * One sink that writes into several (a streaming output read by several steps): each item goes to
 * every sink, at the pace of the slowest. Closed when every sink's reader has stopped.
 */
export function teeSink<T>(sinks: Array<IStreamSink<T>>): IStreamSink<T> {
  if (sinks.length === 1) return sinks[0];
  return {
    write(item) {
      let waits: Array<Promise<void>> | undefined;
      for (const s of sinks) {
        const w = s.write(item);
        if (w) (waits ??= []).push(w);
      }
      return waits ? Promise.all(waits).then(() => undefined) : undefined;
    },
    end: () => sinks.forEach((s) => s.end()),
    fail: (e) => sinks.forEach((s) => s.fail(e)),
    get closed() {
      return sinks.every((s) => s.closed);
    },
  };
}

/**
 * A sink that keeps every item, for a stream nothing reads as a stream (a workflow output, a run's
 * result): `value()` is the whole stream, strings joined, bytes concatenated, other items as an array.
 */
export class CollectingSink<T = unknown> implements IStreamSink<T> {
  readonly items: T[] = [];
  private failed: { reason: unknown } | undefined;
  readonly closed = false;
  private done = false;

  write(item: T): void {
    this.items.push(item);
  }

  end(): void {
    this.done = true;
  }

  fail(error: unknown): void {
    this.failed = { reason: error };
  }

  /** True once the producer ended the stream. */
  get ended(): boolean {
    return this.done;
  }

  /** The stream as one value (throws the producer's failure). */
  value(): unknown {
    if (this.failed) throw this.failed.reason;
    return joinItems(this.items);
  }
}

/** A buffered stream as one value: strings joined, bytes concatenated, anything else as an array. */
export function joinItems(items: unknown[]): unknown {
  if (items.length > 0 && items.every((i) => typeof i === 'string')) return (items as string[]).join('');
  if (items.length > 0 && items.every((i) => i instanceof Uint8Array)) return Buffer.concat(items as Uint8Array[]);
  return items;
}
