import { MessageChannel, Worker, isMainThread } from 'node:worker_threads';

/**
 * A deadline that holds even when JavaScript blocks the main thread (`while (true) {}` in a
 * task): a helper thread, started on first use, sleeps until the earliest armed deadline and,
 * when one is still armed `grace` ms after it passed, stops the JavaScript the main thread is
 * running through the inspector (`Runtime.terminateExecution`). The event loop then goes on, so
 * the runner's own timer ends the job with its TimeoutError. A job that ends in time disarms its
 * deadline, so the helper never touches a thread that is free. Deadlines reach the helper through
 * shared memory, so arming and disarming cost no message. On other threads (pool threads) this
 * does nothing: their owner stops the whole thread instead.
 */
export function armDeadline(ms: number, grace = WATCHDOG_GRACE): () => void {
  if (!isMainThread) return Private.noop;
  const id = Private.counter.next++;
  const at = Date.now() + ms + grace;
  Private.deadlines.set(id, at);
  if (Private.earliest === 0 || at < Private.earliest) Private.publish(at, true);
  return () => {
    // The job has ended: what stopping its JavaScript (if it came to that) left undone is done now.
    Private.repair();
    if (!Private.deadlines.delete(id) || at !== Private.earliest) return;
    let next = 0;
    for (const t of Private.deadlines.values()) if (next === 0 || t < next) next = t;
    // A later deadline (or none) needs no wake-up: the helper reads it when it wakes for the old one.
    Private.publish(next, false);
  };
}

/** True while a deadline is armed on this thread (code that may be stopped should then run `isolated`). */
export function hasDeadline(): boolean {
  return Private.deadlines.size > 0;
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

/**
 * Run `call`, a script run with `breakOnSigint` that the watchdog may stop. Stopping JavaScript
 * skips every `finally` on the stack, Node's own too: `vm` takes the process's SIGINT listeners
 * off while such a script runs and puts them back in a `finally`, so a stopped script would leave
 * the process with none, and the next SIGINT (a kernel interrupt) would end the process. The
 * listeners are noted first and put back, if a stop kept them off, when the job's deadline is
 * disarmed or the next such call starts.
 */
export function stoppable<T>(call: () => T): T {
  Private.repair();
  // A call inside another (its listeners already off) leaves the outer call's note alone.
  if (Private.noted) return call();
  Private.noted = { listeners: process.rawListeners('SIGINT') as Private.Listener[], stops: Private.stops() };
  try {
    return call();
  } finally {
    Private.noted = undefined;
  }
}

/** How long past its deadline a job may hold the main thread before its JavaScript is stopped (ms). */
export const WATCHDOG_GRACE = 300;

namespace Private {
  export const noop = (): void => undefined;
  /** The next deadline's id (an object, so the functions above can count it up). */
  export const counter = { next: 1 };
  /** Armed deadlines (epoch ms) by id. */
  export const deadlines = new Map<number, number>();
  /** The earliest armed deadline as last published, 0 for none. */
  export let earliest = 0;
  export const turns: Array<() => void> = [];
  export type Listener = (...args: unknown[]) => void;
  /** The process's SIGINT listeners before the `stoppable` call now running, and the helper's count of stops then. */
  export let noted: { listeners: Listener[]; stops: number } | undefined;

  /** How many times the helper has stopped the main thread's JavaScript. */
  export function stops(): number {
    return shared ? Atomics.load(shared.stops, 0) : 0;
  }

  /**
   * Put back the SIGINT listeners a stopped `stoppable` call left off: its note outlived it, and
   * the helper has stopped JavaScript since it was taken (else the call is still running).
   */
  export function repair(): void {
    if (!noted || noted.stops === stops()) return;
    const { listeners } = noted;
    noted = undefined;
    const now = process.rawListeners('SIGINT');
    for (const listener of listeners) if (!now.includes(listener)) process.addListener('SIGINT', listener);
  }

  let ports: MessageChannel | undefined;
  /** [0]: a generation count the helper waits on; [1]: the helper's count of stops; (as a Float64 at byte 8): the earliest deadline. */
  let shared: { gen: Int32Array; stops: Int32Array; at: Float64Array } | undefined;
  let thread: Worker | undefined;

  /** Publish the earliest deadline; wake the helper when it must wake sooner than it planned. */
  export function publish(at: number, wake: boolean): void {
    earliest = at;
    if (!shared) {
      const sab = new SharedArrayBuffer(16);
      shared = { gen: new Int32Array(sab, 0, 1), stops: new Int32Array(sab, 4, 1), at: new Float64Array(sab, 8, 1) };
      thread = new Worker(SOURCE, { eval: true, workerData: sab });
      // It keeps nothing alive; a failure to start it leaves deadlines as they were before.
      thread.unref();
      thread.on('error', () => undefined);
    }
    shared.at[0] = at;
    Atomics.add(shared.gen, 0, 1);
    if (wake) Atomics.notify(shared.gen, 0);
  }

  /** One channel for `isolated`: each message runs one waiting call (the deadline's timer keeps the process alive meanwhile). */
  export function channel(): MessageChannel {
    if (!ports) {
      ports = new MessageChannel();
      ports.port1.on('message', () => turns.shift()?.());
      ports.port1.unref();
    }
    return ports;
  }

  /**
   * The helper thread: sleep until the earliest deadline (or until woken); a deadline that has
   * passed with nothing changed stops the main thread's JavaScript, then it waits for a change
   * (or a second before stopping again).
   */
  const SOURCE = `
const { workerData } = require('node:worker_threads');
const { Session } = require('node:inspector');
const gen = new Int32Array(workerData, 0, 1);
const stops = new Int32Array(workerData, 4, 1);
const at = new Float64Array(workerData, 8, 1);
let session;
for (;;) {
  const g = Atomics.load(gen, 0);
  const t = at[0];
  const now = Date.now();
  if (t === 0) Atomics.wait(gen, 0, g);
  else if (now < t) Atomics.wait(gen, 0, g, t - now);
  else {
    if (!session) {
      session = new Session();
      session.connectToMainThread();
    }
    Atomics.add(stops, 0, 1);
    session.post('Runtime.terminateExecution');
    Atomics.wait(gen, 0, g, 1000);
  }
}
`;
}
