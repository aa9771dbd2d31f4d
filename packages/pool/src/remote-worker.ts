import { hostname } from 'node:os';
import { UnrecoverableError, WaitingError, Worker } from 'bullmq';
import type { Job as BullJob } from 'bullmq';
import { CanceledError, OptionError, TaskcellError, WATCHDOG_GRACE, createRunner, taskFromWire } from '@taskcell/core';
import type { IDisposable, IJobEvent, IJobPlace, ITaskSpec, Runner } from '@taskcell/core';
import { openArtifactStore } from './artifact-store';
import { shareResults } from './result-store';
import { useStoreBundles } from './shared-bundles';
import { PayloadError, PoolError, outcomeError } from './errors';
import {
  REPLY_LIMIT,
  checkPayload,
  connectionOptions,
  isChunk,
  keys,
  packBlob,
  parseRedisUrl,
  rawClient,
  unpackBlob,
} from './remote-protocol';
import type { Blob, IChunkOutcome, IRawRedis, IRedisTarget, IReplyMessage, RemoteOutcome } from './remote-protocol';
import { beat, unregister } from './worker-registry';
import type { IRegistryClient, IWorkerInfo } from './worker-registry';
import { executeWired } from './wire-job';

/**
 * A long-running worker of a RemotePool: takes jobs from the BullMQ queue, runs them on its own
 * runner, sends their events back as job progress, and returns the result (or the task's error).
 * It beats into a registry of live workers, obeys the cancel channel, and on `close()` finishes
 * its running jobs, handing them back to the queue if they outlast the grace period. A payload it
 * cannot read fails that job only.
 */
export class RemoteWorker {
  readonly name: string;
  readonly host = hostname();
  readonly queue: string;
  private readonly target: IRedisTarget;
  private bundles: IDisposable | undefined;
  private readonly opts: RemoteWorker.IOptions;
  private readonly runner: Runner;
  private readonly place: IJobPlace;
  /** One BullMQ Worker of concurrency 1 per slot (see `start`). */
  private workers: Worker[] = [];
  private subscriber: IRawRedis | undefined;
  private control: IRawRedis | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly running = new Set<string>();
  /** Jobs cancelled before they started here (bounded; cancels of jobs that never come age out). */
  private readonly canceled = new Set<string>();
  private handingBack = false;
  /** Tasks by their Redis key (or wire text): the same task comes in many jobs. */
  private readonly specs = new Map<string, ITaskSpec>();
  /** Big outcomes whose client gets a `done` notice once BullMQ has recorded them, by BullMQ job id. */
  private readonly notices = new Map<string, { channel: string; id: string }>();
  /** Reply messages waiting for the end of this turn of the event loop, by channel (see `publish`). */
  private readonly outbox = new Map<string, string[]>();
  private closing: Promise<void> | undefined;
  private readonly started = Date.now();

  constructor(options: RemoteWorker.IOptions) {
    this.opts = options;
    this.target = parseRedisUrl(options.url);
    this.queue = options.queue ?? this.target.queue;
    this.name = options.name ?? `${this.host}-${process.pid}`;
    const c = options.concurrency ?? 1;
    if (!Number.isInteger(c) || c < 1)
      throw new OptionError(`Expected \`concurrency\` to be an integer >= 1, got \`${c}\``, { option: 'concurrency' });
    this.runner = options.runner ?? createRunner();
    // Results made here are found by every client and worker of this Redis, and theirs here.
    if (options.shareResults !== false) shareResults(this.runner, options.url);
    // Bundles that clients put in the artifact store are found there.
    if (this.target.store) this.bundles = useStoreBundles(this.target.store);
    this.place = { kind: 'remote', name: this.name, host: this.host };
  }

  /** Ids of the jobs running here now. */
  get runningJobs(): string[] {
    return [...this.running];
  }

  /** Connect and start taking jobs; resolves once the worker is listening. */
  async start(): Promise<void> {
    const o = this.opts;
    // Concurrency N is N BullMQ Workers of concurrency 1, not one Worker of concurrency N: a BullMQ
    // Worker with free slots asks Redis for a second job before it starts the first, which puts one
    // more round trip in front of every job that arrives at an idle worker. Only the first slot
    // looks for stalled jobs (one check per process is enough; it covers the whole queue).
    for (let slot = 0; slot < (o.concurrency ?? 1); slot++) {
      const worker = new Worker(this.queue, (job, token) => this.process(job, token), {
        connection: connectionOptions(this.target),
        concurrency: 1,
        lockDuration: o.lockDuration ?? 30_000,
        stalledInterval: o.stalledInterval ?? 30_000,
        maxStalledCount: o.maxStalledCount ?? 5,
        skipStalledCheck: slot > 0,
        autorun: false,
      });
      // A lost connection is retried by ioredis; the error is reported, never thrown, so the worker lives on.
      worker.on('error', (err) => o.onError?.(err));
      worker.on('completed', (job) => this.recorded(job.id));
      worker.on('failed', (job) => job?.id !== undefined && this.notices.delete(job.id));
      this.workers.push(worker);
    }
    const client = await rawClient(this.workers[0]!);
    const sub = client.duplicate();
    this.subscriber = sub;
    sub.on('error', (err: Error) => o.onError?.(err));
    sub.on('message', (_channel, jobId) => this.cancel(jobId));
    await sub.subscribe(keys.cancel(this.queue));
    // The registry has a connection of its own, so the worker can leave it after BullMQ closed its connections.
    const control = client.duplicate();
    this.control = control;
    control.on('error', (err: Error) => o.onError?.(err));
    const every = o.heartbeat ?? 2000;
    const registry = control as unknown as IRegistryClient;
    const tick = () => void beat(registry, this.info(), every * 3).catch((err: Error) => o.onError?.(err));
    tick();
    this.heartbeat = setInterval(tick, every);
    for (const worker of this.workers) void worker.run().catch((err: Error) => o.onError?.(err));
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  /** The registry entry of this worker. */
  info(): IWorkerInfo {
    return {
      name: this.name,
      host: this.host,
      pid: process.pid,
      queue: this.queue,
      concurrency: this.opts.concurrency ?? 1,
      running: [...this.running],
      started: this.started,
      beat: Date.now(),
    };
  }

  /**
   * Stop taking jobs, let running ones finish, then cancel the rest and hand them back to the queue
   * for another worker; leave the registry. All of it within `grace` ms (default 30 s): the last
   * quarter of it (at most 2 s) is kept for the hand-back. When Redis does not answer by then, the
   * connections are dropped and it rejects with a PoolError that names the jobs not handed back
   * (the queue re-runs them once their lock expires). Idempotent.
   */
  close(grace = this.opts.grace ?? 30_000): Promise<void> {
    this.bundles?.dispose();
    return (this.closing ??= this.bounded(grace));
  }

  private async bounded(grace: number): Promise<void> {
    const reserve = Math.min(2000, grace / 4);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), grace)));
    const closed = this.shutdown(grace - reserve);
    const first = await Promise.race([closed.then(() => 'closed' as const), late]);
    clearTimeout(timer);
    if (first === 'closed') return;
    closed.catch(() => undefined);
    const left = [...this.running];
    for (const w of this.workers) void w.close(true).catch(() => undefined);
    this.subscriber?.disconnect();
    this.control?.disconnect();
    throw new PoolError(
      `Worker ${this.name}: Redis did not answer within the grace period of ${grace} ms; ` +
        (left.length
          ? `${left.length} running job(s) not handed back (${left.join(', ')}); the queue runs them again once their lock expires`
          : 'no job was running'),
      { worker: this.name },
    );
  }

  private async shutdown(grace: number): Promise<void> {
    const errors: unknown[] = [];
    const step = async (f: () => unknown) => {
      try {
        await f();
      } catch (err) {
        errors.push(err);
      }
    };
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.workers.length) {
      const closed = Promise.all(this.workers.map((w) => w.close()));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), grace)));
      if ((await Promise.race([closed.then(() => 'closed' as const), late])) === 'late') {
        this.handingBack = true;
        for (const id of this.running) this.runner.cancel(id);
      }
      clearTimeout(timer);
      await step(() => closed);
    }
    const control = this.control;
    if (control) await step(() => unregister(control as unknown as IRegistryClient, this.queue, this.name));
    await step(() => this.subscriber?.quit());
    await step(() => control?.quit());
    if (errors.length) throw errors[0];
  }

  private cancel(jobId: string): void {
    if (this.running.has(jobId)) this.runner.cancel(jobId);
    else {
      this.canceled.add(jobId);
      if (this.canceled.size > 10_000) this.canceled.delete(this.canceled.values().next().value as string);
    }
  }

  private process(job: BullJob, token: string | undefined): Promise<Blob | IChunkOutcome> {
    return isChunk(job.data) ? this.processChunk(job, token, job.data.chunk) : this.processOne(job, token, job.data, true);
  }

  /**
   * Run a chunk's jobs one after the other in this slot. A payload that does not parse fails its own
   * job, not the chunk; a job cancelled before its turn is skipped.
   */
  private async processChunk(job: BullJob, token: string | undefined, chunk: unknown[]): Promise<IChunkOutcome> {
    const out: IChunkOutcome['chunk'] = [];
    for (const data of chunk) {
      const id = (data as { options?: { jobId?: unknown } } | null)?.options?.jobId;
      if (typeof id !== 'string') continue;
      out.push({ id, blob: await this.processOne(job, token, data, false) });
    }
    return { chunk: out };
  }

  /** Run one job (`alone`: the queue job is this job; else one job of a chunk). */
  private async processOne(job: BullJob, token: string | undefined, data: unknown, alone: boolean): Promise<Blob> {
    let payload;
    let spec;
    let inputs: Record<string, unknown>;
    try {
      payload = checkPayload(data);
      const id = payload.taskKey ?? payload.task!;
      spec = this.specs.get(id);
      if (!spec) {
        const text = payload.taskKey === undefined ? payload.task! : await this.control!.get(payload.taskKey);
        if (text === null) throw new PayloadError(`Expected the task's text at Redis key ${payload.taskKey}, found nothing there`, {});
        spec = taskFromWire(JSON.parse(text));
        if (this.specs.size >= 1000) this.specs.clear();
        this.specs.set(id, spec);
      }
      inputs = (await unpackBlob(payload.inputs, 'the job inputs')) as Record<string, unknown>;
    } catch (err) {
      const e = err instanceof PayloadError ? err : new PayloadError(`The job's task does not parse: ${(err as Error).message}`, {});
      // Retrying cannot mend a payload, so the job fails at once; the worker goes on.
      if (!alone) return packBlob({ ok: false, error: outcomeError(e) } satisfies RemoteOutcome, undefined, 0);
      const reason = `[${e.code}] ${e.message}`;
      const d = data as { reply?: unknown; options?: { jobId?: unknown } } | null;
      if (typeof d?.reply === 'string')
        this.publish(d.reply, { id: typeof d.options?.jobId === 'string' ? d.options.jobId : String(job.id), failed: reason });
      throw new UnrecoverableError(reason);
    }
    const jobId = payload.options.jobId;
    if (this.canceled.delete(jobId)) {
      const e = new CanceledError(`Job ${jobId} was cancelled before it started on worker ${this.name}`, { job: jobId, worker: this.name });
      return packBlob({ ok: false, error: outcomeError(e) } satisfies RemoteOutcome, undefined, payload.inlineLimit);
    }
    // A task whose JavaScript holds this thread until its timeout stops it cannot renew the lock
    // meanwhile: the lock is made to outlast the timeout, or another worker would take the job again.
    const timeout = payload.options.timeout;
    const lock = this.opts.lockDuration ?? 30_000;
    if (timeout !== undefined && token !== undefined && timeout + WATCHDOG_GRACE + 1000 > lock / 2) {
      await job.extendLock(token, timeout + WATCHDOG_GRACE + lock);
    }
    this.running.add(jobId);
    let events: Promise<unknown> = Promise.resolve();
    const onEvent = payload.observe
      ? (e: IJobEvent) => {
          events = events.then(() => job.updateProgress(e as unknown as object)).catch(() => undefined);
        }
      : undefined;
    let outcome: RemoteOutcome;
    try {
      // No AbortSignal per job: a cancel reaches it through runner.cancel(jobId), which costs nothing until used.
      const result = await executeWired(this.runner, spec, inputs, payload.options, { place: this.place, onEvent });
      outcome = { ok: true, result };
    } catch (err) {
      if (this.handingBack && err instanceof TaskcellError && err.code === 'taskcell:canceled') {
        // Still counted as running until Redis has it back, so a close that runs out of time names it.
        await job.moveToWait(token);
        this.running.delete(jobId);
        throw new WaitingError();
      }
      outcome = { ok: false, error: outcomeError(err) };
    }
    this.running.delete(jobId);
    await events;
    const blob = await packBlob(outcome, payload.store ? openArtifactStore(payload.store) : undefined, payload.inlineLimit);
    if (payload.reply && alone) this.reply(payload.reply, jobId, blob, job.id);
    return blob;
  }

  /**
   * Send an outcome to the client's reply channel. A small one goes whole, before BullMQ records it;
   * a big one as a `done` notice once BullMQ has recorded it (the client reads it from the job).
   * Pub/sub may drop a message (a reconnect); the client's sweep then reads the job itself.
   */
  private reply(channel: string, id: string, blob: Blob, bullId: string | undefined): void {
    const text = JSON.stringify({ id, blob } satisfies IReplyMessage);
    if (text.length <= REPLY_LIMIT) this.publish(channel, text);
    else if (bullId !== undefined) {
      if (this.notices.size >= 10_000) this.notices.delete(this.notices.keys().next().value as string);
      this.notices.set(bullId, { channel, id });
    }
  }

  /**
   * Publish on a reply channel; a message lost here is read from the job by the client's sweep. The
   * messages of one turn of the event loop go out as one array per channel: a publish is a socket
   * write, which costs a busy worker more than the job it reports.
   */
  private publish(channel: string, message: IReplyMessage | string): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    const queued = this.outbox.get(channel);
    if (queued) {
      queued.push(text);
      return;
    }
    this.outbox.set(channel, [text]);
    if (this.outbox.size === 1) setImmediate(() => this.flush());
  }

  /** Send what `publish` gathered: one message for a channel with one, else a JSON array of them (at most REPLY_LIMIT bytes each). */
  private flush(): void {
    const control = this.control!;
    const send = (channel: string, text: string) => void control.publish(channel, text).catch(() => undefined);
    for (const [channel, texts] of this.outbox) {
      if (texts.length === 1) {
        send(channel, texts[0]!);
        continue;
      }
      let part: string[] = [];
      let size = 0;
      for (const t of texts) {
        if (part.length && size + t.length > REPLY_LIMIT) {
          send(channel, `[${part.join(',')}]`);
          part = [];
          size = 0;
        }
        part.push(t);
        size += t.length + 1;
      }
      send(channel, part.length === 1 ? part[0]! : `[${part.join(',')}]`);
    }
    this.outbox.clear();
  }

  /** BullMQ recorded a job: send the `done` notice its client waits for, if it has one. */
  private recorded(bullId: string | undefined): void {
    const notice = bullId === undefined ? undefined : this.notices.get(bullId);
    if (!notice) return;
    this.notices.delete(bullId!);
    this.publish(notice.channel, { id: notice.id, done: true });
  }
}

/** RemoteWorker's options. */
export namespace RemoteWorker {
  export interface IOptions {
    /** `redis://host:port` (its `?queue=` is the default queue). */
    url: string;
    /** The queue to take jobs from (default `taskcell`). */
    queue?: string;
    /** Jobs run at once (default 1). */
    concurrency?: number;
    /** The name in the worker registry (default `host-pid`). */
    name?: string;
    /** The runner to run jobs on (default a new one with every built-in). */
    runner?: Runner;
    /** False keeps results out of the Redis result store (`shareResults`); shared by default. */
    shareResults?: boolean;
    /** Milliseconds a job's lock lasts without renewal; a killed worker's jobs return to the queue after it (default 30 s). */
    lockDuration?: number;
    /** How often stalled jobs are looked for, in ms (default 30 s). */
    stalledInterval?: number;
    /** How many times a job may stall (its worker died) before it fails (default 5). */
    maxStalledCount?: number;
    /** Heartbeat period in ms (default 2 s); the registry entry lives three periods. */
    heartbeat?: number;
    /** How long `close()` lets running jobs finish before handing them back, in ms (default 30 s). */
    grace?: number;
    /** Connection and other errors the worker lives through. */
    onError?: (err: Error) => void;
  }
}
