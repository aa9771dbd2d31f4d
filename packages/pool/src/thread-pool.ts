import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CanceledError, OptionError, TaskcellError, globalEvents } from '@taskcell/core';
import type {
  IBinding,
  IJobEvent,
  IJobPlace,
  IResolvedRunOptions,
  IResult,
  ISerializedError,
  ITaskSpec,
  IWorkerPool,
} from '@taskcell/core';
import { packForThread, unpackFromThread } from './codec';
import type { Packed } from './codec';
import { PoolError } from './errors';
import { wireOptions, wireTask } from './wire-job';
import type { IWireOptions, IWiredTask } from './wire-job';

/** The messages between a ThreadPool and its threads (each postMessage carries an array of them). */
export namespace ThreadMessage {
  /** To a thread: a task's wire form (sent once per thread), a job, or a cancel. */
  export type ToThread =
    | { t: 'task'; key: number; json: string }
    | { t: 'run'; id: number; key: number; inputs: Packed; options: IWireOptions; observe: boolean }
    | { t: 'cancel'; jobId: string };
  /** From a thread: an event of a job, its result, or its error. */
  export type FromThread =
    | { t: 'event'; id: number; event: IJobEvent }
    | { t: 'done'; id: number; result: Packed }
    | { t: 'fail'; id: number; error: ISerializedError };
}

/**
 * Runs tasks on worker threads of this process, one thread per core by default. Tasks travel as
 * their compiled source (`taskToWire`), so a function that captures notebook variables is refused
 * with the names it captures. Each thread runs several jobs at once (async tasks overlap), and a
 * job goes to the thread with the fewest in flight.
 */
export class ThreadPool implements IWorkerPool {
  readonly place: IJobPlace = { kind: 'thread', name: 'threads' };
  private readonly size: number;
  private readonly cacheDir: string | undefined;
  private threads: Private.IThread[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: ThreadPool.IOptions = {}) {
    const size = options.size ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1)
      throw new OptionError(`Expected \`size\` to be an integer >= 1, got \`${size}\``, { option: 'size' });
    this.size = size;
    this.cacheDir = options.cacheDir;
  }

  /** How many threads the pool runs. */
  get threadCount(): number {
    return this.size;
  }

  run(task: ITaskSpec, inputs: Record<string, IBinding>, options: IResolvedRunOptions): Promise<IResult> {
    if (this.closed) return Promise.reject(new PoolError('The thread pool is closed; expected an open pool', { task: task.name }));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(Private.canceled(signal, options.jobId));
    let wired;
    try {
      wired = wireTask(task, 'on a thread');
    } catch (err) {
      return Promise.reject(err);
    }
    const jobId = options.jobId ?? `thread-job-${this.nextId}`;
    const thread = this.pick();
    const known = Private.keys.get(wired);
    const key = known ?? Private.keyCounter.next++;
    if (known === undefined) Private.keys.set(wired, key);
    if (!thread.known.has(key)) {
      thread.known.add(key);
      this.send(thread, { t: 'task', key, json: wired.text });
    }
    const id = this.nextId++;
    const onEvent = options.onEvent;
    const observe = onEvent !== undefined || globalEvents.hasListeners;
    return new Promise<IResult>((resolve, reject) => {
      thread.pending.set(id, { jobId, resolve, reject, onEvent: observe ? onEvent : undefined });
      if (thread.pending.size === 1) thread.worker.ref();
      // A caller's own signal (the runner uses `cancel`); the listener goes with the signal and is not removed.
      signal?.addEventListener('abort', () => this.drop(thread, id, Private.canceled(signal, jobId)), { once: true });
      this.send(thread, { t: 'run', id, key, inputs: packForThread(inputs), options: wireOptions(options, jobId), observe });
    });
  }

  /**
   * Cancel a job: the thread is told to abort it, and its promise rejects with `reason` now. A job
   * that is not in flight is ignored. Jobs are looked up by a scan, so running one costs nothing extra.
   */
  cancel(jobId: string, reason: TaskcellError): void {
    for (const thread of this.threads) {
      for (const [id, p] of thread.pending) if (p.jobId === jobId) return this.drop(thread, id, reason);
    }
  }

  /** Take a job out of its thread's list, tell the thread to abort it, and reject it with `reason`. */
  private drop(thread: Private.IThread, id: number, reason: TaskcellError): void {
    const p = thread.pending.get(id);
    if (!p) return;
    thread.pending.delete(id);
    this.settled(thread);
    this.send(thread, { t: 'cancel', jobId: p.jobId });
    p.reject(reason);
  }

  /** Stop every thread; jobs still in flight reject with a PoolError. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const threads = this.threads;
    this.threads = [];
    await Promise.allSettled(
      threads.map((t) => {
        this.failAll(t, new PoolError('The thread pool was closed while the job ran', {}));
        return t.worker.terminate();
      }),
    );
  }

  /** The thread with the fewest jobs in flight. */
  private pick(): Private.IThread {
    // All threads start with the first job (as a lost one is replaced at once), so none is cold when work fans out.
    while (this.threads.length < this.size) this.spawn();
    let best = this.threads[0];
    for (const t of this.threads) if (t.pending.size < best.pending.size) best = t;
    return best;
  }

  private spawn(): Private.IThread {
    const worker = new Worker(Private.workerFile(), { workerData: { cacheDir: this.cacheDir } });
    const thread: Private.IThread = { worker, pending: new Map(), known: new Set(), outbox: [] };
    worker.on('message', (batch: ThreadMessage.FromThread[]) => {
      for (const m of batch) {
        const p = thread.pending.get(m.id);
        if (!p) continue;
        if (m.t === 'event') {
          p.onEvent?.(m.event);
          globalEvents.emit(m.event);
          continue;
        }
        thread.pending.delete(m.id);
        if (m.t === 'done') p.resolve(unpackFromThread(m.result) as IResult);
        else p.reject(TaskcellError.fromJSON(m.error));
      }
      this.settled(thread);
    });
    const lost = (why: string) => {
      this.threads = this.threads.filter((t) => t !== thread);
      this.failAll(thread, new PoolError(`A pool thread ended while running the job: ${why}`, {}));
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`it exited with code ${code}`));
    // Idle threads do not keep the process alive (a CLI run ends when its job does); see `settled`.
    worker.unref();
    this.threads.push(thread);
    return thread;
  }

  /**
   * Queue a message for a thread; the queue goes as one array at the end of this turn of the event
   * loop, since a postMessage costs more than a small task.
   */
  private send(thread: Private.IThread, m: ThreadMessage.ToThread): void {
    if (thread.outbox.push(m) > 1) return;
    queueMicrotask(() => {
      const batch = thread.outbox;
      thread.outbox = [];
      thread.worker.postMessage(batch);
    });
  }

  private settled(thread: Private.IThread): void {
    if (thread.pending.size === 0) thread.worker.unref();
  }

  private failAll(thread: Private.IThread, err: TaskcellError): void {
    const pending = [...thread.pending.values()];
    thread.pending.clear();
    for (const p of pending) p.reject(err);
  }
}

/** ThreadPool's options. */
export namespace ThreadPool {
  export interface IOptions {
    /** How many threads (default: the number of cores). */
    size?: number;
    /** The result cache directory the threads use (default: theirs, under the working directory). */
    cacheDir?: string;
  }
}

namespace Private {
  export interface IPending {
    jobId: string;
    resolve(r: IResult): void;
    reject(e: unknown): void;
    onEvent: ((e: IJobEvent) => void) | undefined;
  }

  export interface IThread {
    worker: Worker;
    pending: Map<number, IPending>;
    /** Task keys this thread has been sent. */
    known: Set<number>;
    /** Messages for it not sent yet (see `send`). */
    outbox: ThreadMessage.ToThread[];
  }

  export const keys = new WeakMap<IWiredTask, number>();
  /** The next task key (an object, so the class can count it up). */
  export const keyCounter = { next: 1 };

  /** The thread main: beside this file when built; from `lib/` when this file runs from source (tests). */
  export function workerFile(): string {
    const here = join(__dirname, 'thread-worker.js');
    if (existsSync(here)) return here;
    const built = join(__dirname, '..', 'lib', 'thread-worker.js');
    if (existsSync(built)) return built;
    throw new PoolError(`Expected the thread main at ${here} or ${built}; build @taskcell/pool first (npx tsc -b)`, {});
  }

  export function canceled(signal: AbortSignal, jobId: string | undefined): TaskcellError {
    const r: unknown = signal.reason;
    return r instanceof TaskcellError ? r : new CanceledError(`Job ${jobId ?? ''} was cancelled`, { job: jobId }, { cause: r });
  }
}
