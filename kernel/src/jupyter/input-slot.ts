import { StdinError, InterruptedError } from './errors';

/**
 * Shared memory between the main thread and the I/O thread: the main thread blocks in `prompt()`
 * until the I/O thread receives the `input_reply` (a state word, a length word, the UTF-8 answer),
 * and an interrupt stays pending until the main thread has seen it (a third word).
 */
export class InputSlot {
  /** Bytes an answer may take. */
  static readonly CAPACITY = 1 << 20;
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(Private.HEADER + InputSlot.CAPACITY)) {
    this.words = new Int32Array(buffer, 0, 3);
    this.bytes = new Uint8Array(buffer, Private.HEADER);
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

  /** I/O thread: wake a waiting prompt with an interrupt, and mark an interrupt pending. */
  interrupt(): void {
    Atomics.store(this.words, 2, 1);
    Atomics.store(this.words, 0, Private.INTERRUPTED);
    Atomics.notify(this.words, 0);
  }

  /** I/O thread: true until the main thread has acknowledged the last interrupt. */
  get interruptPending(): boolean {
    return Atomics.load(this.words, 2) === 1;
  }

  /** Main thread: the interrupt has been handled (SIGINT seen). */
  acknowledgeInterrupt(): void {
    Atomics.store(this.words, 2, 0);
  }
}

namespace Private {
  export const WAITING = 0;
  export const ANSWERED = 1;
  export const INTERRUPTED = 2;
  export const TOO_LONG = 3;
  /** Three 32-bit words before the answer's bytes. */
  export const HEADER = 12;
}
