import { StdinError, InterruptedError } from './errors';

/**
 * Shared memory between the main thread and the I/O thread: the main thread blocks in `prompt()`
 * until the I/O thread receives the `input_reply` (a state word, a length word, the UTF-8 answer),
 * and an interrupt stays pending until the main thread has seen it. An interrupt belongs to the
 * work it was sent for: the main thread counts its execute requests (a fourth word), and an
 * interrupt is pending for one count (a third word), so it ends when that work ends and a late
 * SIGINT cannot be taken for an interrupt of the next cell.
 */
export class InputSlot {
  /** Bytes an answer may take. */
  static readonly CAPACITY = 1 << 20;
  readonly buffer: SharedArrayBuffer;
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;

  /** Without a buffer, a new slot (the main thread's); the I/O thread opens the same buffer. */
  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(Private.HEADER + InputSlot.CAPACITY);
    this.words = new Int32Array(this.buffer, 0, 5);
    this.bytes = new Uint8Array(this.buffer, Private.HEADER);
    // Work counts from 1, so that 0 in the interrupt word means none is pending.
    if (!buffer) Atomics.store(this.words, Private.WORK, 1);
  }

  /** Main thread: forget any earlier answer or interrupt before asking. */
  reset(): void {
    Atomics.store(this.words, 0, Private.WAITING);
  }

  /** Main thread: block until an answer or an interrupt arrives. */
  wait(): string {
    for (;;) {
      // A timeout keeps the loop returning to JavaScript, where a SIGINT can break it.
      Atomics.wait(this.words, 0, Private.WAITING, 50);
      const state = Atomics.load(this.words, 0);
      if (state === Private.ANSWERED) {
        const n = Atomics.load(this.words, 1);
        return Buffer.from(this.bytes.slice(0, n)).toString('utf8');
      }
      if (state === Private.INTERRUPTED) throw new InterruptedError('Interrupted while waiting for input', {});
      if (state === Private.TOO_LONG) throw new StdinError(`Expected an answer of at most ${InputSlot.CAPACITY} bytes`, {});
    }
  }

  /** I/O thread: deliver an answer. */
  answer(value: string): void {
    const data = Buffer.from(value, 'utf8');
    if (data.length > InputSlot.CAPACITY) {
      Atomics.store(this.words, 0, Private.TOO_LONG);
    } else {
      this.bytes.set(data);
      Atomics.store(this.words, 1, data.length);
      Atomics.store(this.words, 0, Private.ANSWERED);
    }
    Atomics.notify(this.words, 0);
  }

  /**
   * Main thread: new work starts (an execute request); an interrupt sent for earlier work no
   * longer applies. Waits while the I/O thread is raising a SIGINT for that work (`raiseFor`).
   */
  beginWork(): void {
    this.locked(() => {
      Atomics.add(this.words, Private.WORK, 1);
      Atomics.store(this.words, Private.INTERRUPT, 0);
    });
  }

  /**
   * I/O thread: call `raise` if the interrupt sent for `work` is still unseen and that work still
   * runs, new work waiting meanwhile (so the signal cannot land on it). False when it no longer applies.
   */
  raiseFor(work: number, raise: () => void): boolean {
    return this.locked(() => {
      if (!this.interruptPending(work)) return false;
      raise();
      return true;
    });
  }

  /** I/O thread: wake a waiting prompt with an interrupt, and mark an interrupt pending for the work now running; returns that work's count. */
  interrupt(): number {
    const work = Atomics.load(this.words, Private.WORK);
    Atomics.store(this.words, Private.INTERRUPT, work);
    Atomics.store(this.words, 0, Private.INTERRUPTED);
    Atomics.notify(this.words, 0);
    return work;
  }

  /** I/O thread: true while the interrupt sent for `work` is unseen and that work still runs. */
  interruptPending(work: number): boolean {
    return Atomics.load(this.words, Private.INTERRUPT) === work && this.isCurrentWork(work);
  }

  /** True while `work` (a count `interrupt()` returned) is the work the main thread serves. */
  isCurrentWork(work: number): boolean {
    return Atomics.load(this.words, Private.WORK) === work;
  }

  private locked<T>(fn: () => T): T {
    while (Atomics.compareExchange(this.words, Private.LOCK, 0, 1) !== 0) Atomics.wait(this.words, Private.LOCK, 1, 1);
    try {
      return fn();
    } finally {
      Atomics.store(this.words, Private.LOCK, 0);
      Atomics.notify(this.words, Private.LOCK);
    }
  }

  /**
   * Main thread: a SIGINT has been seen. True when it answers an interrupt pending for the work
   * now running (which is then no longer pending); false for a late or stray SIGINT.
   */
  acknowledgeInterrupt(): boolean {
    const work = Atomics.load(this.words, Private.WORK);
    return Atomics.compareExchange(this.words, Private.INTERRUPT, work, 0) === work;
  }
}

namespace Private {
  export const WAITING = 0;
  export const ANSWERED = 1;
  export const INTERRUPTED = 2;
  export const TOO_LONG = 3;
  /** The word holding the count of the work an interrupt is pending for (0: none). */
  export const INTERRUPT = 2;
  /** The word counting the main thread's work (execute requests). */
  export const WORK = 3;
  /** The word held (1) while the I/O thread raises a SIGINT or the main thread starts new work. */
  export const LOCK = 4;
  /** Five 32-bit words before the answer's bytes. */
  export const HEADER = 20;
}
