import { Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  OptionError,
  TaskcellError,
  WATCHDOG_GRACE,
  globalEvents,
  retryPolicy,
  timeLimit,
  timeoutError,
  toCanceledError,
  totalBudget,
} from '@taskcell/core';
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
import { streamsToThread } from './thread-streams';
import type { IThreadStreams } from './thread-streams';

/** The messages between a ThreadPool and its threads (each postMessage carries an array of them). */
export namespace ThreadMessage {
  /** To a thread: a task's wire form (sent once per thread), a job, or a cancel. */
  export type ToThread =
    | { t: 'task'; key: number; json: string }
    | { t: 'run'; id: number; key: number; inputs: Packed; options: IWireOptions; observe: boolean; streams?: IThreadStreams }
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
 * job goes to the thread with the fewest in flight. A job that overruns its timeout, or is cancelled,
 * and does not end within a grace period (JavaScript that holds its thread: `while (true) {}`)
 * has its thread stopped; the other jobs of that thread start again on a new one.
 */
export class ThreadPool implements IWorkerPool {
  readonly place: IJobPlace = { kind: 'thread', name: 'threads' };
  private readonly size: number;
  private readonly cacheDir: string | undefined;
  private readonly preload: string[];
  private threads: Private.IThread[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: ThreadPool.IOptions = {}) {
    const size = options.size ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1)
      throw new OptionError(`Expected \`size\` to be an integer >= 1, got \`${size}\``, { option: 'size' });
    this.size = size;
    this.cacheDir = options.cacheDir;
    this.preload = options.preload ?? [];
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
    // Streaming inputs and outputs cross as MessagePorts, moved to the thread with the message.
    const crossing = streamsToThread(inputs, options.streams);
    const message: ThreadMessage.ToThread = {
      t: 'run',
      id,
      key,
      inputs: packForThread(crossing ? crossing.inputs : inputs),
      options: wireOptions(options, jobId),
      observe,
    };
    if (crossing) message.streams = crossing.streams;
    return new Promise<IResult>((resolve, reject) => {
      const pending: Private.IPending = {
        jobId,
        resolve,
        reject,
        onEvent: observe ? onEvent : undefined,
        task: { key, text: wired.text },
        message,
      };
      thread.pending.set(id, pending);
      if (thread.pending.size === 1) thread.worker.ref();
      // A caller's own signal (the runner uses `cancel`); the listener goes with the signal and is not removed.
      signal?.addEventListener('abort', () => this.drop(id, Private.canceled(signal, jobId)), { once: true });
      // The thread ends the job at its time limit itself (each attempt's, when it retries), unless the
      // job's JavaScript holds the thread: then the thread is stopped once every attempt had its time.
      const limit = options.timeout === undefined && task.timeout === undefined ? undefined : timeLimit(task, options);
      if (limit !== undefined) {
        pending.timer = setTimeout(
          () => {
            const e = timeoutError(task, options, limit);
            e.context.job = jobId;
            const t = this.threadOf(id);
            if (t) this.stop(t, id, e);
          },
          totalBudget(limit, retryPolicy(task, options), WATCHDOG_GRACE),
        );
      }
      this.send(thread, message, crossing?.transfer);
    });
  }

  /**
   * Cancel a job: the thread is told to abort it, and its promise rejects with `reason` now. A job
   * that is not in flight is ignored. Jobs are looked up by a scan, so running one costs nothing extra.
   */
  cancel(jobId: string, reason: TaskcellError): void {
    for (const thread of this.threads) {
      for (const [id, p] of thread.pending) if (p.jobId === jobId) return this.drop(id, reason);
    }
  }

  /**
   * Take a job out of its thread's list, tell the thread to abort it, and reject it with `reason`.
   * A thread that has not answered for it within the grace period is held by it, and is stopped.
   */
  private drop(id: number, reason: TaskcellError): void {
    const thread = this.threadOf(id);
    const p = thread?.pending.get(id);
    if (!thread || !p) return;
    thread.pending.delete(id);
    clearTimeout(p.timer);
    this.settled(thread);
    this.send(thread, { t: 'cancel', jobId: p.jobId });
    p.reject(reason);
    thread.draining.set(
      id,
      setTimeout(() => thread.draining.has(id) && this.stop(thread), WATCHDOG_GRACE),
    );
  }

  /** The thread a job in flight is on. */
  private threadOf(id: number): Private.IThread | undefined {
    for (const t of this.threads) if (t.pending.has(id)) return t;
    return undefined;
  }

  /**
   * Stop a thread that a job holds: `failed` (if given) rejects with `reason`, the thread is
   * terminated, and its other jobs are sent again to the other threads (or a new one).
   */
  private stop(thread: Private.IThread, failed?: number, reason?: TaskcellError): void {
    if (!this.threads.includes(thread)) return;
    this.threads = this.threads.filter((t) => t !== thread);
    for (const timer of thread.draining.values()) clearTimeout(timer);
    thread.draining.clear();
    const others = [...thread.pending.entries()];
    thread.pending.clear();
    thread.stopped = true;
    void thread.worker.terminate();
    for (const [id, p] of others) {
      if (id === failed) {
        clearTimeout(p.timer);
        p.reject(reason);
        continue;
      }
      if (p.message.t === 'run' && p.message.streams) {
        // Its streams went with the stopped thread: what they carried cannot be read again.
        clearTimeout(p.timer);
        p.reject(
          new PoolError('A streaming job was on a pool thread that had to be stopped for another job; its streams ended with it', {
            job: p.jobId,
          }),
        );
        continue;
      }
      const next = this.pick();
      next.pending.set(id, p);
      if (next.pending.size === 1) next.worker.ref();
      if (!next.known.has(p.task.key)) {
        next.known.add(p.task.key);
        this.send(next, { t: 'task', key: p.task.key, json: p.task.text });
      }
      this.send(next, p.message);
    }
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
        for (const timer of t.draining.values()) clearTimeout(timer);
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
    const worker = new Worker(Private.workerFile(), { workerData: { cacheDir: this.cacheDir, preload: this.preload } });
    const thread: Private.IThread = {
      worker,
      pending: new Map(),
      known: new Set(),
      outbox: [],
      transfer: [],
      draining: new Map(),
      stopped: false,
    };
    worker.on('message', (batch: ThreadMessage.FromThread[]) => {
      for (const m of batch) {
        const p = thread.pending.get(m.id);
        if (!p) {
          if (m.t !== 'event' && thread.draining.has(m.id)) {
            clearTimeout(thread.draining.get(m.id));
            thread.draining.delete(m.id);
          }
          continue;
        }
        if (m.t === 'event') {
          p.onEvent?.(m.event);
          globalEvents.emit(m.event);
          continue;
        }
        thread.pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.t === 'done') p.resolve(unpackFromThread(m.result) as IResult);
        else p.reject(TaskcellError.fromJSON(m.error));
      }
      this.settled(thread);
    });
    const lost = (why: string) => {
      if (thread.stopped) return;
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
  private send(thread: Private.IThread, m: ThreadMessage.ToThread, transfer?: MessagePort[]): void {
    if (transfer) thread.transfer.push(...transfer);
    if (thread.outbox.push(m) > 1) return;
    queueMicrotask(() => {
      const batch = thread.outbox;
      const moved = thread.transfer;
      thread.outbox = [];
      thread.transfer = [];
      thread.worker.postMessage(batch, moved);
    });
  }

  private settled(thread: Private.IThread): void {
    if (thread.pending.size === 0) thread.worker.unref();
  }

  private failAll(thread: Private.IThread, err: TaskcellError): void {
    const pending = [...thread.pending.values()];
    thread.pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }
}

/** ThreadPool's options. */
export namespace ThreadPool {
  export interface IOptions {
    /** How many threads (default: the number of cores). */
    size?: number;
    /** The result cache directory the threads use (default: theirs, under the working directory). */
    cacheDir?: string;
    /**
     * Modules each thread loads before it makes its runner, by absolute path: what they add with
     * `addBuiltin` (a mode such as docker) is in the threads' runners too.
     */
    preload?: string[];
  }
}

namespace Private {
  export interface IPending {
    jobId: string;
    resolve(r: IResult): void;
    reject(e: unknown): void;
    onEvent: ((e: IJobEvent) => void) | undefined;
    /** The job's task and message, to send it again if its thread is stopped for another job. */
    task: { key: number; text: string };
    message: ThreadMessage.ToThread;
    /** Fires when the job overran its timeout and the thread did not end it. */
    timer?: NodeJS.Timeout;
  }

  export interface IThread {
    worker: Worker;
    pending: Map<number, IPending>;
    /** Task keys this thread has been sent. */
    known: Set<number>;
    /** Messages for it not sent yet (see `send`). */
    outbox: ThreadMessage.ToThread[];
    /** The MessagePorts those messages move to the thread. */
    transfer: MessagePort[];
    /** Jobs dropped here whose end the thread has not reported yet, with the timer that stops it if it never does. */
    draining: Map<number, NodeJS.Timeout>;
    /** Stopped by the pool (its exit is not a loss). */
    stopped: boolean;
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
    return toCanceledError(signal.reason, `Job ${jobId ?? ''} was cancelled`, { job: jobId });
  }
}
