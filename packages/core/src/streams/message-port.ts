import type { MessagePort } from 'node:worker_threads';
import { IoError, TaskcellError, serializeError } from '../errors';
import type { ISerializedError } from '../errors';
import type { IStreamSink } from './channel';

/** What crosses a stream's MessagePort: items and the end one way, credit and a stop the other. */
export type PortStreamMessage = { items: unknown[] } | { end: true } | { error: ISerializedError } | { credit: number } | { stop: true };

/** Items the reader lets the writer send ahead (the stream's bound across a thread boundary). */
export const PORT_STREAM_WINDOW = 256;

/**
 * The writing end of a stream across a thread boundary, as a sink. Credit-based flow: the writer
 * sends only as many items as the reader has granted (`PORT_STREAM_WINDOW` to start with, more as it
 * reads them), and `write` returns a promise while it has none. Items written in one turn of the event
 * loop go as one message; they are structured-cloned (Buffers arrive as bytes, made Buffers again).
 */
export function portSink(port: MessagePort): IStreamSink {
  let credit = 0;
  let closed = false;
  let finished = false;
  let batch: unknown[] = [];
  let waiting: Array<() => void> = [];
  const flush = () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    port.postMessage({ items } satisfies PortStreamMessage);
  };
  const release = () => {
    const w = waiting;
    waiting = [];
    for (const r of w) r();
  };
  port.on('message', (m: PortStreamMessage) => {
    if ('credit' in m) {
      credit += m.credit;
      if (credit > 0) release();
    } else if ('stop' in m) {
      closed = true;
      batch = [];
      release();
      if (finished) port.close();
    }
  });
  // The reader's thread went away: nothing more can be sent.
  port.on('close', () => {
    closed = true;
    release();
  });
  const finish = (m: PortStreamMessage) => {
    if (finished) return;
    finished = true;
    if (!closed) {
      flush();
      port.postMessage(m);
    }
    release();
    port.close();
  };
  return {
    write(item) {
      if (closed || finished) return;
      if (batch.push(item) === 1) queueMicrotask(flush);
      if (--credit > 0) return;
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    end: () => finish({ end: true }),
    fail: (error) => finish({ error: serializeError(error) }),
    get closed() {
      return closed;
    },
  };
}

/** The reading end of a stream across a thread boundary, as an async iterable; see `portSink`. */
export function portSource(port: MessagePort): AsyncIterable<unknown> {
  const queue: unknown[] = [];
  let head = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let read = 0;
  let stopped = false;
  port.on('message', (m: PortStreamMessage) => {
    if ('items' in m) {
      for (const item of m.items)
        queue.push(
          item instanceof Uint8Array && !Buffer.isBuffer(item) ? Buffer.from(item.buffer, item.byteOffset, item.byteLength) : item,
        );
    } else if ('end' in m) ended = true;
    else if ('error' in m) failure = { error: TaskcellError.fromJSON(m.error) };
    else return;
    wakeReader();
  });
  const wakeReader = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  // The writer's thread went away before the stream ended.
  port.on('close', () => {
    if (ended || failure || stopped) return;
    failure = { error: new IoError('The stream ended before its producer ended it: the thread writing it stopped', {}) };
    wakeReader();
  });
  port.postMessage({ credit: PORT_STREAM_WINDOW } satisfies PortStreamMessage);
  const stop = () => {
    if (stopped) return;
    stopped = true;
    port.postMessage({ stop: true } satisfies PortStreamMessage);
    port.close();
  };
  return {
    [Symbol.asyncIterator]: () => ({
      async next(): Promise<IteratorResult<unknown>> {
        for (;;) {
          if (head < queue.length) {
            const value = queue[head];
            queue[head++] = undefined;
            if (head > 1024 && head * 2 > queue.length) {
              queue.splice(0, head);
              head = 0;
            }
            // Grant credit back in halves of the window, so the writer rarely waits and messages stay few.
            if (++read === PORT_STREAM_WINDOW / 2) {
              read = 0;
              if (!stopped) port.postMessage({ credit: PORT_STREAM_WINDOW / 2 } satisfies PortStreamMessage);
            }
            return { value, done: false };
          }
          if (failure) {
            stop();
            throw failure.error;
          }
          if (ended || stopped) {
            if (!stopped) {
              stopped = true;
              port.close();
            }
            return { value: undefined, done: true };
          }
          await new Promise<void>((r) => (wake = r));
        }
      },
      async return(): Promise<IteratorResult<unknown>> {
        stop();
        return { value: undefined, done: true };
      },
    }),
  };
}
