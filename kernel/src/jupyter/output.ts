import { AsyncLocalStorage } from 'node:async_hooks';
import { inspect } from 'node:util';
import type { IMimeBundle } from '@taskcell/display';
import type { IMessage } from './messages';

/** Sends one IOPub message with a parent. */
export type Publisher = (msgType: string, content: Record<string, unknown>, parent: IMessage | undefined) => void;

/** Where `display()` sends its bundles; the kernel installs one, plain Node has none. */
export interface IDisplaySink {
  /** Show a bundle; with `displayId` and `update`, replace the display with that id in place. */
  display(data: IMimeBundle, metadata: Record<string, unknown>, displayId?: string, update?: boolean): void;
  /** Clear the cell's output; with `wait`, when the next output arrives. */
  clear(wait: boolean): void;
  /** A sink that keeps sending to the cell running now, also once it has ended (live displays). */
  bound?(): IDisplaySink;
}

/** Which request the running code belongs to (one per process, as the output it routes). */
const requestContext = new AsyncLocalStorage<IMessage>();

/**
 * Run `fn` outside every request: what it sets up for later (a pool's threads and their piped
 * stdout, its connections) then writes under the cell running at the time, not under the one that
 * happened to make it.
 */
export function outsideRequests<T>(fn: () => T): T {
  return requestContext.exit(fn);
}

/** The global slot the display API reads, so every copy of `taskcell` in the process finds the kernel. */
export const DISPLAY_SINK = Symbol.for('taskcell.display.sink');

/**
 * Routes a cell's output to IOPub under the request that started the work that made it: stdout
 * and stderr (captured by replacing `write`, coalesced until the next tick, the next other message
 * or 50 ms, so the prints of a blocking loop still stream), displays and clears. Each request runs
 * in its own async context (`run`), so output of work that goes on after its cell returned (timers,
 * promises, job callbacks) still goes to that cell; output made outside any request goes to the
 * last cell that ran.
 */
export class OutputRouter implements IDisplaySink {
  /** The last shell request that ran: the parent of output made outside any request. */
  parent: IMessage | undefined;
  private readonly context = requestContext;
  private readonly pending: { stdout: string; stderr: string } = { stdout: '', stderr: '' };
  /** The parent of the queued stream text. */
  private pendingParent: IMessage | undefined;
  private scheduled = false;
  private restore: (() => void) | undefined;

  private lastFlush = 0;

  constructor(private readonly publisher: Publisher) {}

  /** Capture process.stdout and process.stderr, and become the display sink. Idempotent. */
  install(): void {
    if (this.restore) return;
    const out = process.stdout.write;
    const err = process.stderr.write;
    process.stdout.write = Private.capture((t) => this.write('stdout', t));
    process.stderr.write = Private.capture((t) => this.write('stderr', t));
    (globalThis as Record<symbol, unknown>)[DISPLAY_SINK] = this;
    const unhide = Private.hideContextOfPromises();
    this.restore = () => {
      process.stdout.write = out;
      process.stderr.write = err;
      delete (globalThis as Record<symbol, unknown>)[DISPLAY_SINK];
      unhide();
    };
  }

  /** Stop capturing. Idempotent. */
  dispose(): void {
    this.flush();
    this.restore?.();
    this.restore = undefined;
    // The async context hooks go too, before the process exits: with them on, zeromq's teardown at exit aborted now and then.
    this.context.disable();
  }

  /** Run `fn` as the work of `request`: what it and everything it starts print goes under that request. */
  run<T>(request: IMessage, fn: () => T): T {
    return this.context.run(request, fn);
  }

  /** The request the running code belongs to. */
  get current(): IMessage | undefined {
    return this.context.getStore() ?? this.parent;
  }

  /** Queue stream text; it goes out on the next tick, or before the next non-stream message. */
  write(name: 'stdout' | 'stderr', text: string): void {
    const parent = this.current;
    if (parent !== this.pendingParent) {
      this.flush();
      this.pendingParent = parent;
    }
    this.pending[name] += text;
    if (this.pending[name].length > Private.MAX_PENDING || Date.now() - this.lastFlush > Private.MAX_DELAY) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Send queued stream text now. */
  flush(): void {
    this.scheduled = false;
    this.lastFlush = Date.now();
    for (const name of ['stdout', 'stderr'] as const) {
      const text = this.pending[name];
      if (text) {
        this.pending[name] = '';
        this.publisher('stream', { name, text }, this.pendingParent);
      }
    }
  }

  /** Send a message after any queued stream text, under the running code's request (or `parent`). */
  publish(msgType: string, content: Record<string, unknown>, parent: IMessage | undefined = this.current): void {
    this.flush();
    this.publisher(msgType, content, parent);
  }

  display(data: IMimeBundle, metadata: Record<string, unknown>, displayId?: string, update = false): void {
    this.displayUnder(this.current, data, metadata, displayId, update);
  }

  clear(wait: boolean): void {
    this.publish('clear_output', { wait });
  }

  bound(): IDisplaySink {
    const parent = this.current;
    const sink: IDisplaySink = {
      display: (data, metadata, displayId, update = false) => this.displayUnder(parent, data, metadata, displayId, update),
      clear: (wait) => this.publish('clear_output', { wait }, parent),
      bound: () => sink,
    };
    return sink;
  }

  private displayUnder(
    parent: IMessage | undefined,
    data: IMimeBundle,
    metadata: Record<string, unknown>,
    displayId: string | undefined,
    update: boolean,
  ): void {
    const transient = displayId ? { display_id: displayId } : {};
    this.publish(update ? 'update_display_data' : 'display_data', { data, metadata, transient }, parent);
  }
}

namespace Private {
  export const MAX_PENDING = 64 * 1024;

  /** What async context tracking adds to every promise, which Node's inspect would show. */
  const CONTEXT_KEYS = new Set(['async_id_symbol', 'trigger_async_id_symbol', 'kResourceStore']);

  /**
   * A promise a cell shows reads `Promise { <pending> }` as in plain Node, not followed by the
   * async context the kernel tracks (with its request). Returns a function that undoes it.
   */
  export function hideContextOfPromises(): () => void {
    const proto = Promise.prototype as unknown as Record<symbol, unknown>;
    const before = Object.getOwnPropertyDescriptor(proto, inspect.custom);
    Object.defineProperty(proto, inspect.custom, {
      configurable: true,
      writable: true,
      value(this: Record<symbol, unknown>, _depth: number, options: object, show: typeof inspect = inspect): string {
        const saved = Object.getOwnPropertySymbols(this)
          .filter((k) => CONTEXT_KEYS.has(k.description ?? ''))
          .map((k) => [k, this[k]] as const);
        for (const [k] of saved) delete this[k];
        try {
          return show(this, { ...options, customInspect: false });
        } finally {
          for (const [k, v] of saved) this[k] = v;
        }
      },
    });
    return () => {
      if (before) Object.defineProperty(proto, inspect.custom, before);
      else delete proto[inspect.custom];
    };
  }
  /** Milliseconds stream text may wait: a blocking loop's prints leave at this pace. */
  export const MAX_DELAY = 50;

  type Write = typeof process.stdout.write;

  export function capture(sink: (text: string) => void): Write {
    return function write(chunk: unknown, encodingOrCb?: unknown, cb?: unknown): boolean {
      const text =
        typeof chunk === 'string'
          ? chunk
          : Buffer.from(chunk as Uint8Array).toString(typeof encodingOrCb === 'string' ? (encodingOrCb as BufferEncoding) : 'utf8');
      sink(text);
      const done = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return true;
    } as Write;
  }
}
