import { MessageChannel, Worker, isMainThread } from 'node:worker_threads';

/**
 * A deadline that holds even when JavaScript blocks the main thread (`while (true) {}` in a
 * task): a helper thread, started on first use, watches armed deadlines and, when one is still
 * armed `grace` ms after it passed, stops the JavaScript the main thread is running through the
 * inspector (`Runtime.terminateExecution`). The event loop then goes on, so the runner's own timer
 * ends the job with its TimeoutError. A job that ends in time disarms its deadline, so the helper
 * never touches a thread that is free. On other threads (pool threads) this does nothing: their
 * owner stops the whole thread instead.
 */
export function armDeadline(ms: number, grace = WATCHDOG_GRACE): () => void {
  if (!isMainThread) return Private.noop;
  const id = Private.counter.next++;
  Private.counter.armed++;
  Private.send({ t: 'arm', id, at: Date.now() + ms + grace });
  let done = false;
  return () => {
    if (done) return;
    done = true;
    Private.counter.armed--;
    Private.send({ t: 'disarm', id });
  };
}

/** True while a deadline is armed on this thread (code that may be stopped should then run `isolated`). */
export function hasDeadline(): boolean {
  return Private.counter.armed > 0;
}

/**
 * Run `call` on a turn of the event loop of its own and resolve with what it returns. Stopping
 * JavaScript drops the promise callbacks queued behind it; started alone, a task drops only its own.
 */
export function isolated<T>(call: () => T): Promise<Awaited<T>> {
  return new Promise<Awaited<T>>((resolve, reject) => {
    Private.turns.push(() => {
      try {
        resolve(call() as Awaited<T>);
      } catch (err) {
        reject(err);
      }
    });
    Private.channel().port2.postMessage(0);
  });
}

/** How long past its deadline a job may hold the main thread before its JavaScript is stopped (ms). */
export const WATCHDOG_GRACE = 300;

namespace Private {
  export const noop = (): void => undefined;
  /** The next deadline's id (an object, so the function above can count it up). */
  export const counter = { next: 1, armed: 0 };
  export const turns: Array<() => void> = [];
  let ports: MessageChannel | undefined;

  /** One channel for `isolated`: each message runs one waiting call (the deadline's timer keeps the process alive meanwhile). */
  export function channel(): MessageChannel {
    if (!ports) {
      ports = new MessageChannel();
      ports.port1.on('message', () => turns.shift()?.());
      ports.port1.unref();
    }
    return ports;
  }
  let thread: Worker | undefined;

  export function send(m: { t: 'arm'; id: number; at: number } | { t: 'disarm'; id: number }): void {
    if (!thread) {
      thread = new Worker(SOURCE, { eval: true });
      // Idle, it keeps nothing alive; a failure to start it leaves deadlines as they were before.
      thread.unref();
      thread.on('error', () => (thread = undefined));
    }
    thread.postMessage(m);
  }

  /** The helper thread: one timer per armed deadline; a deadline still armed when it fires stops the main thread's JavaScript. */
  const SOURCE = `
const { parentPort } = require('node:worker_threads');
const { Session } = require('node:inspector');
const timers = new Map();
let session;
parentPort.on('message', (m) => {
  if (m.t === 'disarm') {
    clearTimeout(timers.get(m.id));
    timers.delete(m.id);
    return;
  }
  timers.set(m.id, setTimeout(() => {
    timers.delete(m.id);
    if (!session) {
      session = new Session();
      session.connectToMainThread();
    }
    session.post('Runtime.terminateExecution', () => undefined);
  }, Math.max(0, m.at - Date.now())));
});
`;
}
