import { IoError } from '../errors';
import type { IErrorContext } from '../errors';

/** Milliseconds an http transfer may go without progress before it is stopped, unless told otherwise. */
export const DEFAULT_IDLE_TIMEOUT = 30_000;

/**
 * Bytes a transfer must move in each idle-timeout window to count as moving (curl's low-speed
 * limit): a server that trickles a byte a second is as stuck as one that sends nothing.
 */
export const MIN_BYTES_PER_WINDOW = 1024;

/** How many redirects a request follows, as browsers and fetch do. */
const MAX_REDIRECTS = 20;

/** How to send one http request. */
export interface IHttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: RequestInit['body'];
  /** Cancels the request and its body. */
  signal?: AbortSignal;
  /**
   * Milliseconds the transfer may go without progress (no answer yet, or fewer than
   * `MIN_BYTES_PER_WINDOW` bytes of body sent or received) before it fails; 0 turns it off.
   */
  idleTimeout?: number;
  /** Port and url, for errors. */
  context?: IErrorContext;
}

/** An answer whose body is still coming: `touch()` on every chunk keeps it alive, `done()` when the body is read. */
export interface IHttpAnswer {
  response: Response;
  /** The signal that stops the body: the caller's, or the idle timer's. */
  signal: AbortSignal;
  /** A chunk of `bytes` came: it counts towards the window's progress. */
  touch(bytes: number): void;
  /** The body was read (or dropped): stop the idle timer. */
  done(): void;
  /** The error to report for a body that broke: the idle timeout when it fired, else `err` wrapped. */
  failure(err: unknown, what: string): IoError;
}

/**
 * `fetch` with the limits an input from outside needs: redirects followed here, one by one, so a loop
 * (`/a -> /b -> /a`), too many of them, or one to something other than http(s) (`file:///etc/passwd`)
 * fails with an IoError that says so; a transfer that makes no progress for `idleTimeout` ms (30 s
 * by default: no answer, or under `MIN_BYTES_PER_WINDOW` bytes moved, as a trickle) is stopped with
 * an IoError naming the limit; any other failure keeps its real cause (`ECONNREFUSED`,
 * a DNS error) in the message instead of fetch's bare `fetch failed`.
 */
export async function httpRequest(url: string, req: IHttpRequest): Promise<IHttpAnswer> {
  const idle = req.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;
  const timer = new AbortController();
  const signal = req.signal ? AbortSignal.any([req.signal, timer.signal]) : timer.signal;
  const where = { ...(req.context ?? {}), url };
  let handle: NodeJS.Timeout | undefined;
  let timedOut: IoError | undefined;
  let moved = 0;
  /** Start a new window: the answer came, or enough bytes moved in this one. */
  const progress = () => {
    if (idle <= 0) return;
    moved = 0;
    if (handle) {
      handle.refresh();
      return;
    }
    handle = setTimeout(() => {
      const what =
        moved === 0 ? `sent nothing for ${idle} ms` : `moved only ${moved} bytes in ${idle} ms, under ${MIN_BYTES_PER_WINDOW} bytes`;
      timedOut = new IoError(`${req.method} ${url} ${what}, over the idle timeout of ${idle} ms`, { ...where, idleTimeout: idle, moved });
      timer.abort(timedOut);
    }, idle);
  };
  const touch = (bytes: number) => {
    moved += bytes;
    if (moved >= MIN_BYTES_PER_WINDOW) progress();
  };
  const done = () => {
    if (handle) clearTimeout(handle);
    handle = undefined;
  };
  const failure = (err: unknown, what: string): IoError => {
    if (timedOut) return timedOut;
    if (err instanceof IoError) return err;
    return new IoError(`${what} failed: ${Private.cause(err)}`, where, { cause: err });
  };
  progress();
  const seen = new Set<string>();
  let current = url;
  let method = req.method;
  // An upload counts as progress too, so a large body is not cut off while it is sent.
  let body = req.body instanceof ReadableStream ? req.body.pipeThrough(Private.counting(touch)) : req.body;
  try {
    for (let hop = 0; ; hop++) {
      seen.add(current);
      let response: Response;
      try {
        response = await fetch(current, { method, headers: req.headers, body, signal, redirect: 'manual', duplex: 'half' } as RequestInit);
      } catch (err) {
        throw failure(err, `${method} ${current}${current === url ? '' : ` (redirected from ${url})`}`);
      }
      // The answer came: the body gets a whole window for its first bytes.
      progress();
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || response.status === 304 || location === null) {
        return { response, signal, touch, done, failure };
      }
      await response.body?.cancel().catch(() => undefined);
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new IoError(
          `${method} ${url} was redirected to ${JSON.stringify(next.href)}; expected an http or https URL, got ${next.protocol}`,
          {
            ...where,
            location: next.href,
          },
        );
      }
      if (seen.has(next.href)) {
        throw new IoError(`${method} ${url} is a redirect loop: ${[...seen, next.href].join(' -> ')}`, { ...where, location: next.href });
      }
      if (hop + 1 >= MAX_REDIRECTS) {
        throw new IoError(`${method} ${url} was redirected more than ${MAX_REDIRECTS} times; last to ${next.href}`, {
          ...where,
          location: next.href,
        });
      }
      // As fetch does: 303, and 301/302 after a POST, become a GET without a body.
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      current = next.href;
    }
  } catch (err) {
    done();
    throw err;
  }
}

namespace Private {
  /** A pass-through stream that reports the size of every chunk. */
  export function counting(touch: (bytes: number) => void): TransformStream<Uint8Array, Uint8Array> {
    return new TransformStream({
      transform(chunk, controller) {
        touch(chunk.byteLength);
        controller.enqueue(chunk);
      },
    });
  }

  /** The innermost message of an error chain: fetch's `fetch failed` says nothing, its cause does. */
  export function cause(err: unknown): string {
    const parts: string[] = [];
    // Duck-typed: errors from fetch may come from another realm than this module's `Error`.
    for (
      let e = err as { message?: unknown; code?: unknown; cause?: unknown } | null;
      isError(e) && parts.length < 5;
      e = e.cause as typeof e
    ) {
      const message = String(e.message);
      parts.push(typeof e.code === 'string' && !message.includes(e.code) ? `${message} (${e.code})` : message);
    }
    return parts.length ? parts.join(': ') : String(err);
  }

  function isError(e: unknown): e is { message: unknown; code?: unknown; cause?: unknown } {
    return e !== null && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string';
  }
}
