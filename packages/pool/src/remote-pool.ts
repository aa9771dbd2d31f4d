import { createHash, randomUUID } from 'node:crypto';
import { Job as BullJob, Queue, QueueEvents } from 'bullmq';
import { OptionError, TaskcellError, globalEvents, isAsyncIterable, retryPolicy, toCanceledError } from '@taskcell/core';
import type {
  IBinding,
  IJobEvent,
  IJobPlace,
  IResolvedRunOptions,
  IResult,
  IRetryPolicy,
  ISerializedError,
  ITaskSpec,
  IWorkerPool,
} from '@taskcell/core';
import { DirectoryArtifactStore } from './artifact-store';
import { publishBundle } from './shared-bundles';
import type { IArtifactStore, IStoredRef } from './artifact-store';
import { PayloadError, PoolError } from './errors';
import {
  REMOTE_PAYLOAD_VERSION,
  RETRY_BACKOFF,
  connectionOptions,
  keys,
  packBlob,
  parseRedisUrl,
  rawClient,
  unpackBlob,
} from './remote-protocol';
import type {
  Blob,
  IChunkOutcome,
  IChunkPayload,
  IRawRedis,
  IRedisTarget,
  IRemotePayload,
  IReplyMessage,
  RemoteOutcome,
} from './remote-protocol';
import { readWorkers } from './worker-registry';
import type { IRegistryClient, IWorkerInfo } from './worker-registry';
import { wireOptions, wireTask } from './wire-job';
import type { IWiredTask } from './wire-job';

/**
 * Runs tasks on `taskcell worker` processes through a BullMQ queue on Redis. Delivery is at least
 * once (a job whose worker dies returns to the queue); each job's result is taken once, keyed by
 * its job id. A job's outcome comes back on the client's reply channel (pub/sub), unless someone
 * follows its events or many jobs are out at once: those jobs use BullMQ's event stream (progress,
 * then completion), opened on first need. A sweep reads any job whose message was lost. A cancel removes a queued job and tells the
 * worker running it, through the cancel channel, to abort. Inputs and results above `inlineLimit`
 * bytes go through the shared artifact store when there is one.
 */
export class RemotePool implements IWorkerPool {
  readonly place: IJobPlace;
  readonly queueName: string;
  private readonly target: IRedisTarget;
  private readonly store: IArtifactStore | undefined;
  private readonly inlineLimit: number;
  private readonly keepFor: number;
  private readonly sweepEvery: number;
  private conn: Promise<Private.IConnection> | undefined;
  private readonly pending = new Map<string, Private.IPending>();
  private sweeper: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  private readonly linger: number;
  private readonly chunkMax: number;
  /** The job ids of each chunk out on the queue, by the chunk's queue job id. */
  private readonly chunks = new Map<string, string[]>();
  /** Slots of the queue's live workers (sum of their concurrency), as last read from the registry, and when. */
  private slots = { n: 0, at: 0 };
  private closed = false;

  constructor(options: RemotePool.IOptions) {
    this.target = parseRedisUrl(options.url);
    this.queueName = options.queue ?? this.target.queue;
    const storeDir = this.target.store;
    this.store = options.store ?? (storeDir ? new DirectoryArtifactStore({ path: storeDir }) : undefined);
    this.inlineLimit = options.inlineLimit ?? 256 * 1024;
    if (!(this.inlineLimit >= 0))
      throw new OptionError(`Expected \`inlineLimit\` to be a number of bytes >= 0, got \`${this.inlineLimit}\``, {});
    this.keepFor = options.keepJobsFor ?? 600;
    this.sweepEvery = options.sweepInterval ?? 5000;
    this.linger = options.linger ?? 1000;
    this.chunkMax = options.chunk ?? this.target.chunk ?? Private.CHUNK_MAX;
    this.place = { kind: 'remote', name: this.queueName, host: `${this.target.host}:${this.target.port}` };
  }

  run(task: ITaskSpec, inputs: Record<string, IBinding>, options: IResolvedRunOptions): Promise<IResult> {
    if (this.closed) return Promise.reject(new PoolError('The remote pool is closed; expected an open pool', { task: task.name }));
    // A stream lives in this process: a worker elsewhere could not read or feed it.
    const streamed = [...Object.keys(options.streams ?? {}), ...Object.keys(inputs).filter((id) => isAsyncIterable(inputs[id].data))];
    if (streamed.length) {
      return Promise.reject(
        new PoolError(
          `Task "${task.name ?? '(unnamed)'}" has streaming edges (${streamed.join(', ')}), which cannot reach a remote worker; expected them in-process or on threads`,
          { task: task.name, port: streamed[0] },
        ),
      );
    }
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(Private.canceled(signal, options.jobId));
    let wired: IWiredTask;
    try {
      wired = wireTask(task, 'on a remote worker');
    } catch (err) {
      return Promise.reject(err);
    }
    const text = wired.text;
    let hash = Private.hashes.get(wired);
    if (hash === undefined) Private.hashes.set(wired, (hash = createHash('sha256').update(text).digest('hex').slice(0, 32)));
    const taskKey = keys.task(this.queueName, hash);
    // Retries go through BullMQ's own attempts and backoff; the worker runs one attempt at a time.
    let policy: IRetryPolicy | undefined;
    try {
      policy = retryPolicy(task, options);
    } catch (err) {
      return Promise.reject(err);
    }
    const retry = Private.bullRetry(policy);
    const jobId = options.jobId ?? `tc-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    if (this.pending.has(jobId))
      return Promise.reject(new OptionError(`Job id "${jobId}" is already running on this pool; expected a new id`, { job: jobId }));
    const observe = options.onEvent !== undefined || globalEvents.hasListeners;
    return new Promise<IResult>((resolve, reject) => {
      const p: Private.IPending = {
        resolve,
        reject,
        onEvent: options.onEvent,
        observe,
        since: Date.now(),
        payload: undefined,
        done: undefined,
        retry,
      };
      this.pending.set(jobId, p);
      if (this.idle) clearTimeout(this.idle);
      this.idle = undefined;
      if (signal) {
        const onAbort = () => this.cancel(jobId, Private.canceled(signal, jobId));
        signal.addEventListener('abort', onAbort, { once: true });
        p.done = () => signal.removeEventListener('abort', onAbort);
      }
      void (async () => {
        const c = await this.connect();
        const payload: IRemotePayload = {
          v: REMOTE_PAYLOAD_VERSION,
          taskKey,
          inputs: await packBlob(inputs, this.store, this.inlineLimit),
          options: wireOptions(options, jobId),
          observe,
          inlineLimit: this.inlineLimit,
        };
        if (this.store) payload.store = this.store.descriptor;
        // The worker reads the policy from here, for its custom backoff (a maxDelay) and which errors to retry.
        if (retry) payload.options.retries = policy;
        // With nobody listening to its events, the outcome comes back on this client's reply channel;
        // a job whose events someone follows gets them and its outcome, in order, from BullMQ's event
        // stream. So does a job sent while many are out (a map's items): BullMQ writes every outcome to
        // that stream anyway, and the client reads it in bulk, where a reply costs the worker a publish
        // per job.
        if (observe || this.pending.size > Private.REPLY_MAX) await this.listen(c);
        else payload.reply = c.channel;
        if ('ref' in payload.inputs) p.inputRef = payload.inputs.ref;
        if (!this.pending.has(jobId)) return;
        p.payload = payload;
        p.taskText = text;
        await publishBundle(task, this.store);
        await this.storeTask(c, taskKey, text, false);
        await this.add(c, jobId, payload, task.name, retry);
      })().catch((err: unknown) =>
        this.settle(jobId, err instanceof TaskcellError ? err : new PoolError(`Could not queue the job: ${String(err)}`, { job: jobId })),
      );
    });
  }

  /** The live workers of this pool's queue (name, host, running jobs), for the Tasks panel. */
  async workers(): Promise<IWorkerInfo[]> {
    const c = await this.connect();
    return readWorkers((await rawClient(c.queue)) as unknown as IRegistryClient, this.queueName);
  }

  /** Stop using the pool: jobs still waiting for a result reject with a PoolError (they may still run on a worker). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.idle) clearTimeout(this.idle);
    for (const id of [...this.pending.keys()])
      this.settle(id, new PoolError('The remote pool was closed before the job ended', { job: id }));
    const conn = this.conn;
    this.conn = undefined;
    if (!conn) return;
    const c = await conn.catch(() => undefined);
    if (c) await Private.shut(c);
  }

  /** Leave a task's text in Redis for the workers, once per connection (again after an hour, and when `again`). */
  private storeTask(c: Private.IConnection, key: string, text: string, again: boolean): Promise<unknown> {
    const hit = c.tasks.get(key);
    if (hit && !again && Date.now() - hit.at < 3_600_000) return hit.stored;
    const stored = rawClient(c.queue).then((r) => r.set(key, text, 'EX', 86_400));
    c.tasks.set(key, { at: Date.now(), stored });
    stored.catch(() => c.tasks.delete(key));
    return stored;
  }

  /**
   * Queue a job. The jobs added in one turn of the event loop go to Redis together, in one `addBulk`
   * (one round trip for a map's many items instead of one each); those of one task whose outcomes
   * come through the event stream travel in chunks (see `chunked`).
   */
  private add(
    c: Private.IConnection,
    jobId: string,
    payload: IRemotePayload,
    name: string | undefined,
    retry: Private.IBullRetry | undefined,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      c.adds.push({ jobId, name: name ?? 'task', payload, retry, resolve, reject });
      if (c.adds.length === 1) setImmediate(() => void this.flush(c));
    });
  }

  private async flush(c: Private.IConnection): Promise<void> {
    const batch = c.adds.splice(0);
    const opts = (b: Private.IQueued) =>
      Object.assign({ jobId: b.jobId, removeOnComplete: { age: this.keepFor }, removeOnFail: { age: this.keepFor } }, b.retry);
    try {
      const jobs = (await this.chunked(c, batch)).map((b) => ({ name: b.name, data: b.data, opts: opts(b) }));
      await c.queue.addBulk(jobs);
      batch.forEach((b) => b.resolve(undefined));
    } catch (err) {
      batch.forEach((b) => b.reject(err));
    }
  }

  /**
   * The queue jobs for a burst of jobs. Jobs of one task whose outcomes come through the event stream
   * (no reply channel) go in chunks of N / (2 x slots) jobs, N the jobs out and slots those of the
   * live workers, at most `chunk` jobs each: a queue job costs Redis and the worker far more than a
   * short task does, and N jobs then make about 2 x slots queue jobs, which still spread over every
   * slot. Each job keeps its id, events and cancel; its outcome comes back with its chunk's.
   */
  private async chunked(c: Private.IConnection, batch: Private.IConnection['adds']): Promise<Private.IQueued[]> {
    const out: Private.IQueued[] = [];
    const byTask = new Map<string, Private.IConnection['adds']>();
    for (const b of batch) {
      const key = b.payload.taskKey;
      // A job with a retry policy goes alone: BullMQ's attempts and backoff are those of one job.
      if (this.chunkMax <= 1 || b.payload.reply !== undefined || key === undefined || b.retry || !this.pending.has(b.jobId)) {
        out.push({ jobId: b.jobId, name: b.name, data: b.payload, retry: b.retry });
        continue;
      }
      const same = byTask.get(key);
      if (same) same.push(b);
      else byTask.set(key, [b]);
    }
    if (!byTask.size) return out;
    const slots = await this.liveSlots(c);
    for (const group of byTask.values()) {
      // Sized by all the jobs out, not this burst alone: a map's lanes send a few items at a time
      // once the first outcomes come back, while hundreds wait on the queue.
      const size = Math.min(this.chunkMax, Math.ceil(Math.max(group.length, this.pending.size) / (2 * slots)));
      for (let i = 0; i < group.length; i += size) {
        const part = group.slice(i, i + size);
        if (part.length === 1) {
          out.push({ jobId: part[0]!.jobId, name: part[0]!.name, data: part[0]!.payload });
          continue;
        }
        const chunkId = `tc-chunk-${randomUUID()}`;
        this.chunks.set(
          chunkId,
          part.map((b) => b.jobId),
        );
        for (const b of part) this.pending.get(b.jobId)!.chunk = chunkId;
        const data: IChunkPayload = { v: REMOTE_PAYLOAD_VERSION, chunk: part.map((b) => b.payload) };
        out.push({ jobId: chunkId, name: part[0]!.name, data });
      }
    }
    return out;
  }

  /** The slots of the queue's live workers, read from the registry at most every 2 s (16 while none is known). */
  private async liveSlots(c: Private.IConnection): Promise<number> {
    if (Date.now() - this.slots.at > 2000) {
      const workers = await readWorkers((await rawClient(c.queue)) as unknown as IRegistryClient, this.queueName).catch(() => []);
      this.slots = { n: workers.reduce((n, w) => n + Math.max(1, w.concurrency), 0), at: Date.now() };
    }
    return this.slots.n || 16;
  }

  private connect(): Promise<Private.IConnection> {
    return (this.conn ??= (async () => {
      const connection = connectionOptions(this.target);
      const queue = new Queue(this.queueName, { connection });
      // Connection errors are retried by ioredis; jobs wait, and the sweep recovers any outcome missed meanwhile.
      queue.on('error', () => undefined);
      await queue.waitUntilReady();
      const replies = (await rawClient(queue)).duplicate();
      const channel = keys.reply(this.queueName, randomUUID());
      replies.on('error', () => undefined);
      replies.on('message', (_channel, text) => this.replied(text));
      await replies.subscribe(channel);
      this.sweeper = setInterval(() => void this.sweep(queue).catch(() => undefined), this.sweepEvery);
      this.sweeper.unref();
      return { queue, events: undefined, replies, channel, tasks: new Map(), adds: [] };
    })());
  }

  /** Follow BullMQ's event stream (progress, completion, failure), from the first job whose events someone wants on. */
  private listen(c: Private.IConnection): Promise<QueueEvents> {
    return (c.events ??= (async () => {
      const events = new QueueEvents(this.queueName, { connection: connectionOptions(this.target) });
      events.on('error', () => undefined);
      events.on('completed', ({ jobId, returnvalue }) => void this.completed(jobId, returnvalue));
      events.on('failed', ({ jobId, failedReason }) => this.failed(jobId, failedReason));
      events.on('progress', ({ jobId, data }) => this.progress(jobId, data));
      await events.waitUntilReady();
      return events;
    })());
  }

  /** A message on the reply channel, or an array of them; one that does not parse is left to the sweep. */
  private replied(text: string): void {
    let m: IReplyMessage | IReplyMessage[];
    try {
      m = JSON.parse(text) as IReplyMessage | IReplyMessage[];
    } catch {
      return;
    }
    if (Array.isArray(m)) m.forEach((one) => this.reply(one));
    else this.reply(m);
  }

  private reply(m: IReplyMessage): void {
    if (typeof m?.id !== 'string') return;
    if (m.blob) void this.completed(m.id, m.blob);
    else if (typeof m.failed === 'string') this.failed(m.id, m.failed);
    else if (m.done) void this.fetchOutcome(m.id).catch(() => undefined);
  }

  /** Take a finished job's outcome from Redis (an outcome too big for the reply channel). */
  private async fetchOutcome(jobId: string): Promise<void> {
    const c = await this.connect();
    const job = await BullJob.fromId(c.queue, jobId);
    if (job?.finishedOn && job.returnvalue !== null && job.returnvalue !== undefined) await this.completed(jobId, job.returnvalue);
  }

  /** A job's outcome, from the reply channel, the completion event or the sweep: the first one is taken. */
  private async completed(jobId: string, value: unknown): Promise<void> {
    if (this.chunks.has(jobId)) return this.chunkCompleted(jobId, value);
    const p = this.pending.get(jobId);
    if (!p || p.taken) return;
    p.taken = true;
    let outcome: RemoteOutcome;
    try {
      const blob = (typeof value === 'string' ? JSON.parse(value) : value) as Blob;
      outcome = (await unpackBlob(blob, `the result of job ${jobId}`, this.store)) as RemoteOutcome;
      if ('ref' in blob) void this.store?.delete(blob.ref).catch(() => undefined);
    } catch (err) {
      return this.settle(jobId, err);
    }
    if (outcome.ok) this.settle(jobId, undefined, outcome.result as IResult);
    else this.settle(jobId, TaskcellError.fromJSON(outcome.error as ISerializedError));
  }

  /** A chunk's outcomes, each taken as its job's; a job the chunk does not answer for fails. */
  private async chunkCompleted(chunkId: string, value: unknown): Promise<void> {
    const ids = this.chunks.get(chunkId)!;
    this.chunks.delete(chunkId);
    let outcomes: IChunkOutcome['chunk'] = [];
    try {
      const v = (typeof value === 'string' ? JSON.parse(value) : value) as IChunkOutcome;
      if (!Array.isArray(v?.chunk)) throw new Error(`got ${JSON.stringify(v)?.slice(0, 80)}`);
      outcomes = v.chunk;
    } catch (err) {
      const e = new PayloadError(`Expected the outcome of chunk ${chunkId} as {chunk: [...]}: ${(err as Error).message}`, { job: chunkId });
      return ids.forEach((id) => this.settle(id, e));
    }
    await Promise.all(outcomes.map((o) => this.completed(o.id, o.blob)));
    for (const id of ids)
      this.settle(id, new PoolError(`The outcome of chunk ${chunkId} has no entry for job ${id}; expected one per job`, { job: id }));
  }

  private failed(jobId: string, reason: string): void {
    const ids = this.chunks.get(jobId);
    if (ids) {
      this.chunks.delete(jobId);
      return ids.forEach((id) => this.failed(id, reason));
    }
    const p = this.pending.get(jobId);
    if (!p || p.taken) return;
    const payload = /^\[taskcell:payload\] /.test(reason);
    const message = payload ? reason.replace(/^\[taskcell:payload\] /, '') : `The job failed on the queue: ${reason}`;
    this.settle(jobId, payload ? new PayloadError(message, { job: jobId }) : new PoolError(message, { job: jobId }));
  }

  private progress(jobId: string, data: unknown): void {
    if (data === null || typeof data !== 'object') return;
    const event = data as IJobEvent;
    const p = this.pending.get(this.chunks.has(jobId) ? event.jobId : jobId);
    if (!p || !p.observe) return;
    p.onEvent?.(event);
    globalEvents.emit(event);
  }

  /** Record a job's end, once: later deliveries of the same job id find nothing pending. */
  private settle(jobId: string, err: unknown, result?: IResult): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    this.pending.delete(jobId);
    // An idle pool lets go of Redis after `linger` ms, so a CLI run ends soon after its job (BullMQ's timers would keep it alive).
    if (this.pending.size === 0 && !this.closed) this.idle = setTimeout(() => void this.rest(), this.linger);
    p.done?.();
    // A chunk none of whose jobs waits any more is forgotten; its outcome, if it comes, finds nothing.
    const chunk = p.chunk === undefined ? undefined : this.chunks.get(p.chunk);
    if (chunk && !chunk.some((id) => this.pending.has(id))) this.chunks.delete(p.chunk!);
    if (p.inputRef) void this.store?.delete(p.inputRef).catch(() => undefined);
    if (err === undefined) p.resolve(result!);
    else p.reject(err);
  }

  /** Close the connections of a pool with nothing out; the next job opens them again. */
  private async rest(): Promise<void> {
    this.idle = undefined;
    const conn = this.conn;
    if (this.pending.size > 0 || !conn) return;
    this.conn = undefined;
    if (this.sweeper) clearInterval(this.sweeper);
    const c = await conn.catch(() => undefined);
    if (c) await Private.shut(c);
  }

  /**
   * Cancel a job of this pool: its promise rejects with `reason` now, the worker running it is told
   * on the cancel channel, and a job that has not started is taken out of the queue. A job that is
   * not waiting for its result here is ignored.
   */
  cancel(jobId: string, reason: TaskcellError): void {
    void this.cancelJob(jobId, reason).catch(() => undefined);
  }

  private async cancelJob(jobId: string, reason: TaskcellError): Promise<void> {
    const chunk = this.pending.get(jobId)?.chunk;
    if (chunk === undefined && !this.pending.has(jobId)) return;
    this.settle(jobId, reason);
    const c = await this.connect();
    const client = await rawClient(c.queue);
    // Tell the worker running it (if any), and take it out of the queue if it has not started; a job
    // that starts in between finds the id in its worker's list of cancelled jobs.
    await client.publish(keys.cancel(this.queueName), jobId);
    if (!chunk) await c.queue.remove(jobId).catch(() => 0);
  }

  /**
   * Look up jobs that have waited a while: a result whose event was missed (a Redis restart) is taken
   * from the job itself, and a job Redis lost is queued again.
   */
  private async sweep(queue: Queue): Promise<void> {
    const now = Date.now();
    const seen = new Set<string>();
    for (const [jobId, p] of [...this.pending]) {
      if (now - p.since < this.sweepEvery || !p.payload) continue;
      // A job in a chunk is looked up through its chunk, once per sweep.
      const queued = p.chunk ?? jobId;
      if (seen.has(queued)) continue;
      seen.add(queued);
      const job = await BullJob.fromId(queue, queued);
      if (!this.pending.has(jobId)) continue;
      if (!job) {
        const c = await this.connect();
        if (p.payload.taskKey && p.taskText) await this.storeTask(c, p.payload.taskKey, p.taskText, true);
        // Redis lost the chunk: its jobs still waiting go again (in a new chunk when there are many).
        for (const id of p.chunk === undefined ? [jobId] : (this.chunks.get(p.chunk) ?? [])) {
          const q = this.pending.get(id);
          if (!q?.payload) continue;
          q.chunk = undefined;
          await this.add(c, id, q.payload, undefined, q.retry);
        }
        if (p.chunk !== undefined) this.chunks.delete(p.chunk);
      } else if (job.finishedOn && job.returnvalue !== null && job.returnvalue !== undefined) await this.completed(queued, job.returnvalue);
      else if (job.finishedOn && job.failedReason) this.failed(queued, job.failedReason);
    }
  }
}

/** RemotePool's options. */
export namespace RemotePool {
  export interface IOptions {
    /** `redis://host:port[?queue=NAME&store=DIR]`. */
    url: string;
    /** The queue (default the URL's `queue`, else `taskcell`). */
    queue?: string;
    /** The shared store for big inputs and results (default a directory store at the URL's `store`, else none: all data inline). */
    store?: IArtifactStore;
    /** Data above this many bytes goes through the store (default 256 KiB). */
    inlineLimit?: number;
    /** Seconds finished jobs stay in Redis (default 600). */
    keepJobsFor?: number;
    /** How often, in ms, jobs waiting longer than this are checked on directly (default 5000). */
    sweepInterval?: number;
    /** Milliseconds an idle pool keeps its Redis connections before closing them (default 1000); the next job reopens them. */
    linger?: number;
    /** At most this many jobs of a burst travel as one queue job (default the URL's `chunk`, else 1: each alone). */
    chunk?: number;
  }
}

namespace Private {
  /** Above this many jobs out at once, outcomes come through BullMQ's event stream rather than the reply channel. */
  export const REPLY_MAX = 16;

  /** The most jobs in one chunk, by default. */
  /**
   * Chunks are opt-in (`?chunk=N`): with workers SIGKILLed mid-chunk, jobs of a chunk were lost
   * (test/pool/reliability.spec.ts failed about one run in four with chunks on, never with them off).
   */
  export const CHUNK_MAX = 1;

  /** A queue job: one job's payload, or a chunk of them. */
  export interface IQueued {
    jobId: string;
    name: string;
    data: IRemotePayload | IChunkPayload;
    retry?: IBullRetry;
  }

  /** Milliseconds `close()` waits for Redis before it drops the connections. */
  export const CLOSE_WAIT = 3000;

  export interface IConnection {
    queue: Queue;
    /** BullMQ's event stream, opened for the first job whose events someone follows. */
    events: Promise<QueueEvents> | undefined;
    /** Subscribed to `channel`, where workers publish outcomes early. */
    replies: IRawRedis;
    channel: string;
    /** Task texts left in Redis, by key, and when. */
    tasks: Map<string, { at: number; stored: Promise<unknown> }>;
    /** Jobs waiting to be added together at the end of this turn of the event loop. */
    adds: Array<{
      jobId: string;
      name: string;
      payload: IRemotePayload;
      retry: IBullRetry | undefined;
      resolve(v: unknown): void;
      reject(err: unknown): void;
    }>;
  }

  /** Each task's content hash, the last part of its key. */
  export const hashes = new WeakMap<IWiredTask, string>();

  export interface IPending {
    resolve(r: IResult): void;
    reject(e: unknown): void;
    onEvent: ((e: IJobEvent) => void) | undefined;
    observe: boolean;
    since: number;
    payload: IRemotePayload | undefined;
    /** The task's text, to leave in Redis again if Redis lost it. */
    taskText?: string;
    /** The inputs in the artifact store, removed when the job ends. */
    inputRef?: IStoredRef;
    done: (() => void) | undefined;
    /** An outcome arrived and is being read; later copies are ignored. */
    taken?: boolean;
    /** The queue job id of the chunk this job travels in. */
    chunk?: string;
    /** BullMQ's attempts and backoff for the job, when it has a retry policy. */
    retry: IBullRetry | undefined;
  }

  /** BullMQ's job options for a retry policy. */
  export interface IBullRetry {
    attempts: number;
    backoff: { type: string; delay: number };
  }

  /**
   * A retry policy as BullMQ's `attempts` and `backoff`: its own fixed and exponential backoffs
   * (the same delays as the runner's), or the worker's `taskcell` strategy when a maxDelay caps them.
   */
  export function bullRetry(policy: IRetryPolicy | undefined): IBullRetry | undefined {
    if (policy === undefined || policy.max === 0) return undefined;
    const type = policy.maxDelay === undefined ? policy.backoff : RETRY_BACKOFF;
    return { attempts: policy.max + 1, backoff: { type, delay: policy.delay } };
  }

  /** Close a connection; a graceful close waits for Redis, so when Redis is gone it gets a few seconds before the sockets are dropped. */
  export async function shut(c: IConnection): Promise<void> {
    const events = await c.events?.catch(() => undefined);
    const closing = Promise.allSettled([events?.close(), c.queue.close(), c.replies.quit()]);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), CLOSE_WAIT)));
    const results = await Promise.race([closing, late]);
    clearTimeout(timer);
    if (results === 'late') {
      c.replies.disconnect();
      await Promise.allSettled([events?.disconnect(), c.queue.disconnect()]);
      return;
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  export function canceled(signal: AbortSignal, jobId: string | undefined): TaskcellError {
    return toCanceledError(signal.reason, `Job ${jobId ?? ''} was cancelled`, { job: jobId });
  }
}
