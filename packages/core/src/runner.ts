import { join } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  CanceledError,
  MissingInputError,
  MissingOutputError,
  OptionError,
  TaskcellError,
  TimeoutError,
  ValidationError,
  serializeError,
  toTaskcellError,
} from './errors';
import type { IErrorContext } from './errors';
import { JOB_EVENT_VERSION, globalEvents } from './events';
import type { IArtifactRef, IJobEvent, IJobPlace, JobEventListener } from './events';
import { Job } from './job';
import { FormatRegistry } from './formats/registry';
import { ModeRegistry } from './modes/registry';
import type { IMode } from './modes/registry';
import { IoRegistry } from './io/registry';
import type { Fetched, IIoContext } from './io/registry';
import { bindingMode, isBinding } from './io/bindings';
import { readAs, writeToTemp } from './io/files';
import { FetchCache } from './cache/fetch-cache';
import { DiskResultCache, LayeredResultCache } from './cache/result-cache';
import type { ICachedResult, IResultCache } from './cache/result-cache';
import { hashValue, isPlainData } from './cache/hash';
import { specKey } from './cache/task-key';
import type { IBinding, IPortSpec, ITaskSpec } from './spec';
import { armDeadline } from './watchdog';
import { isLiveStream, settleStreams } from './streams/ports';
import type { IStreamSink } from './streams/channel';

/** How to run. Every field is optional. */
export interface IRunOptions {
  /** Abort to cancel the job (or workflow); it ends CANCELED. */
  signal?: AbortSignal;
  /** Milliseconds the job may take; past that it ends ERROR with a TimeoutError. */
  timeout?: number;
  /** False keeps this run out of the result cache (no lookup, no store). */
  cache?: boolean;
  /** Where to run: in this process (default), or a pool name or URL registered with `registerPool`. */
  on?: string;
  /** Receives every event of this job and, for a workflow, of its steps. */
  onEvent?: JobEventListener;
  /** Output bindings by port id (also the third argument of `run`). */
  outputs?: Record<string, IBinding>;
  /** Validate inputs and outputs against their formats (default true). */
  validate?: boolean;
  /** Convert inputs and outputs between formats (default true). */
  autoConvert?: boolean;
  /** Remove the job's temp directory afterwards (default true). */
  cleanup?: boolean;
  /** Workflows: how many steps may run at once (default 16). */
  concurrency?: number;
  /** Use this job id instead of a new one. */
  jobId?: string;
  /** Where `stream: true` outputs go while the task runs (a workflow's streaming edges); see `settleStreams`. */
  streams?: Record<string, IStreamSink>;
}

/** Options as the runner passes them down, with the parent workflow's identity for steps. */
export interface IResolvedRunOptions extends IRunOptions {
  parentId?: string;
  /** The workflow job a step belongs to; cancelling it cancels the step. */
  parentJob?: Job;
  step?: string;
  place?: IJobPlace;
}

/** What a finished job gives back. */
export interface IResult<D = Record<string, unknown>> {
  jobId: string;
  state: 'SUCCESS';
  task?: string;
  /** Output bindings as Girder Worker returns them: `{format, data}`, or where the output was pushed (without data). */
  outputs: Record<string, IBinding>;
  /** Output values by port id (undefined for outputs pushed elsewhere). */
  data: D;
  /** True when the outputs came from the result cache and the task did not run. */
  cached: boolean;
  /** Milliseconds from start to end. */
  elapsed: number;
  /** Workflows: the outputs of every step, by step name. */
  steps?: Record<string, Record<string, unknown>>;
  logs: string[];
  artifacts: IArtifactRef[];
}

/**
 * A place to run tasks other than this process (threads, a remote pool). One contract, one shared
 * test suite for every implementation.
 *
 * `run` gets a single task (never a workflow: workflows are scheduled by the runner, which sends
 * their steps here one by one), its inputs as bindings, and options with a `jobId`, `onEvent`
 * (every JobEvent of the job, re-emitted also to `globalEvents`), and the caller's `cache`,
 * `timeout`, `validate`, `autoConvert`, `parentId` and `step`. Cancelling reaches the pool through
 * `cancel(jobId, reason)` when it has one (the runner then passes no signal), otherwise through a
 * `signal` that aborts; either way the pool stops the job where it runs and rejects with the
 * reason (a CanceledError). Use `taskToWire`/`taskFromWire` to send the task.
 */
export interface IWorkerPool {
  readonly place: IJobPlace;
  run(task: ITaskSpec, inputs: Record<string, IBinding>, options: IResolvedRunOptions): Promise<IResult>;
  /**
   * Cancel a job this pool runs: stop it where it runs and reject its promise with `reason`. A job
   * the pool does not know (ended, or never given to it) is ignored. Optional: without it, the
   * runner makes an AbortSignal per job, which costs a small task about a third of its time.
   */
  cancel?(jobId: string, reason: TaskcellError): void;
  /** Stop using the pool; idempotent. */
  close(): Promise<void>;
}

/** Makes a pool from the `on` string (`threads`, `redis://host:port`). */
export type PoolFactory = (on: string, runner: Runner) => IWorkerPool;

/**
 * The engine: registries of formats, modes, io modes and pools, the two caches, and the flow of one
 * job: bind inputs -> fetch -> validate -> convert -> (cache) -> execute -> convert outputs -> push.
 */
export class Runner {
  readonly formats: FormatRegistry;
  readonly modes: ModeRegistry;
  readonly io: IoRegistry;
  readonly cacheDir: string;
  private pools = new Map<string, PoolFactory>();
  private livePools = new Map<string, IWorkerPool>();
  private active = new Map<string, { job: Job }>();
  /** Jobs running in a pool, by id: how to cancel each. */
  private remote = new Map<string, (reason: unknown) => void>();
  private checked = new WeakSet<ITaskSpec>();
  private specHashes = new WeakMap<ITaskSpec, string | { skip: string }>();
  private _resultCache: IResultCache | undefined;
  private _fetchCache: FetchCache | undefined;
  private ioContextCache = new WeakMap<Job, IIoContext>();

  constructor(options: Runner.IOptions = {}) {
    this.formats = options.formats ?? new FormatRegistry();
    this.modes = options.modes ?? new ModeRegistry();
    this.io = options.io ?? new IoRegistry();
    this.cacheDir = options.cacheDir ?? process.env.TASKCELL_CACHE_DIR ?? join(process.cwd(), '.taskcell', 'cache');
    this._resultCache = options.resultCache;
    this._fetchCache = options.fetchCache;
  }

  /** The result cache (on disk under `cacheDir/results` unless another was given). */
  get resultCache(): IResultCache {
    return (this._resultCache ??= new DiskResultCache({ dir: join(this.cacheDir, 'results') }));
  }

  /**
   * Share results through `store` as well (a remote pool's Redis): looked up after this runner's own
   * cache, and every new result stored there too. A store with the same id is layered once.
   */
  shareResults(store: IResultCache): void {
    this._resultCache = LayeredResultCache.over(this.resultCache, store);
  }

  /** The cache of http downloads (under `cacheDir/fetch`). */
  get fetchCache(): FetchCache {
    return (this._fetchCache ??= new FetchCache({ dir: join(this.cacheDir, 'fetch') }));
  }

  /** Register a pool kind by the first word of `on` (`threads`, `redis`). */
  registerPool(scheme: string, factory: PoolFactory): { dispose(): void } {
    this.pools.set(scheme, factory);
    return { dispose: () => this.pools.delete(scheme) };
  }

  /** The ids of jobs that have not ended. */
  activeJobs(): string[] {
    return [...this.active.keys(), ...this.remote.keys()];
  }

  /** Cancel one running job (a step cancels only itself; a workflow cancels its steps). True if it was running. */
  cancel(jobId: string): boolean {
    const reason = new CanceledError(`Job ${jobId} was cancelled`, { job: jobId });
    const a = this.active.get(jobId);
    if (a) a.job.abort(reason);
    else this.remote.get(jobId)?.(reason);
    return a !== undefined || this.remote.has(jobId);
  }

  /** Let `cancel(jobId)` reach a job that runs outside `execute` (a map's batch); returns a function that forgets it. */
  track(jobId: string, abort: (reason: unknown) => void): () => void {
    this.remote.set(jobId, abort);
    return () => void this.remote.delete(jobId);
  }

  /** Cancel every running job. */
  cancelAll(): number {
    const ids = this.activeJobs();
    for (const id of ids) this.cancel(id);
    return ids.length;
  }

  /** Close the pools this runner opened. */
  async close(): Promise<void> {
    const pools = [...this.livePools.values()];
    this.livePools.clear();
    await Promise.allSettled(pools.map((p) => p.close()));
  }

  /**
   * Run a normalized task with input bindings (or bare values in each port's format). Resolves with
   * the result; rejects with a typed error (CanceledError when cancelled).
   */
  execute(task: ITaskSpec, inputs: Record<string, unknown>, options: IResolvedRunOptions = {}): Promise<IResult> {
    // A workflow is scheduled here; its steps go to the pool one by one, so independent steps run on different workers.
    if (options.on !== undefined && options.on !== 'in-process' && task.mode !== 'workflow') {
      return this.executeInPool(this.pool(options.on), task, inputs, options);
    }
    return this.executeHere(task, inputs, options);
  }

  /**
   * Hand a job to a pool. `cancel(jobId)`, the caller's signal and the parent workflow's cancel
   * reach the pool through its cancel hook (or a signal per job when it has none), and the pool
   * passes the cancel on to wherever the job runs.
   */
  private executeInPool(
    pool: IWorkerPool,
    task: ITaskSpec,
    inputs: Record<string, unknown>,
    options: IResolvedRunOptions,
  ): Promise<IResult> {
    const jobId = options.jobId ?? randomUUID();
    const toError = (reason: unknown): TaskcellError =>
      reason instanceof TaskcellError ? reason : new CanceledError(`Job ${jobId} was cancelled`, { job: jobId }, { cause: reason });
    const outer = options.signal;
    if (outer?.aborted) return Promise.reject(toError(outer.reason));
    // A pool with a cancel hook is told by id; otherwise it gets a signal of its own for this job.
    let cancel: (reason: unknown) => void;
    let signal: AbortSignal | undefined;
    if (pool.cancel) cancel = (reason) => pool.cancel!(jobId, toError(reason));
    else {
      const controller = new AbortController();
      cancel = (reason) => controller.abort(toError(reason));
      signal = controller.signal;
    }
    let cancelled = false;
    const abort = (reason: unknown): void => {
      cancelled = true;
      cancel(reason);
    };
    const onOuter = () => abort(outer!.reason);
    outer?.addEventListener('abort', onOuter, { once: true });
    this.remote.set(jobId, abort);
    // Object.assign, not a spread followed by properties: V8 builds that literal property by property, slowly.
    const running = pool.run(
      task,
      Private.bindAll(task, inputs),
      Object.assign({}, options, { jobId, on: undefined, parentJob: undefined, signal, place: pool.place }),
    );
    // Adopted once the pool knows the job, so a parent that was already cancelled cancels it at once.
    const unadopt = options.parentJob?.adopt({ abort });
    const started = Date.now();
    return running
      .catch((err: unknown) => {
        // A pool drops a job it was told to cancel, and what the job still says where it ran with it:
        // the job's end is announced here, once for every pool.
        if (cancelled && err instanceof CanceledError) Private.announceCanceled(task, jobId, options, started);
        throw err;
      })
      .finally(() => {
        this.remote.delete(jobId);
        outer?.removeEventListener('abort', onOuter);
        unadopt?.();
      });
  }

  /** Check a task once: its mode exists, its ports' types and formats are registered, its mode agrees. */
  check(task: ITaskSpec): IMode {
    const mode = this.modes.get(task.mode, task.name ? `in task "${task.name}"` : undefined);
    if (this.checked.has(task)) return mode;
    for (const [dir, ports] of [
      ['input', task.inputs],
      ['output', task.outputs],
    ] as const) {
      for (const p of ports) {
        if (!this.formats.hasType(p.type) || !this.formats.hasFormat(p.type, p.format)) {
          try {
            this.formats.format(p.type, p.format);
          } catch (err) {
            const e = err as TaskcellError;
            e.context.task = task.name;
            e.context.port = p.id;
            e.message = `${dir === 'input' ? 'Input' : 'Output'} "${p.id}"${task.name ? ` of task "${task.name}"` : ''}: ${e.message}`;
            throw e;
          }
        }
      }
    }
    mode.check?.(task, this);
    this.checked.add(task);
    return mode;
  }

  private pool(on: string): IWorkerPool {
    const live = this.livePools.get(on);
    if (live) return live;
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(on)?.[1] ?? on;
    const factory = this.pools.get(scheme);
    if (!factory) {
      throw new OptionError(
        `No worker pool for on: "${on}"; this runner knows "in-process"${[...this.pools.keys()].map((k) => `, "${k}"`).join('')}`,
        { on },
      );
    }
    const pool = factory(on, this);
    this.livePools.set(on, pool);
    return pool;
  }

  private executeHere(task: ITaskSpec, rawInputs: Record<string, unknown>, options: IResolvedRunOptions): Promise<IResult> {
    const mode = this.check(task);
    if (options.timeout !== undefined && !(options.timeout > 0)) {
      throw new OptionError(`Expected \`timeout\` to be a number of milliseconds > 0, got \`${options.timeout}\``, { option: 'timeout' });
    }
    const job = new Job({
      task: task.name,
      jobId: options.jobId,
      parentId: options.parentId,
      step: options.step,
      place: Private.place(mode, task, options.place),
      onEvent: options.onEvent,
    });
    this.active.set(job.jobId, { job });
    const signal = options.signal;
    const onSignal = signal
      ? () => {
          // A caller's own abort reason (a DOMException, a string) becomes a CanceledError that keeps it as its cause.
          const r: unknown = signal.reason;
          job.abort(r instanceof TaskcellError ? r : new CanceledError('Job was cancelled', Private.where(task, options), { cause: r }));
        }
      : undefined;
    if (signal) {
      if (signal.aborted) onSignal!();
      else signal.addEventListener('abort', onSignal!, { once: true });
    }
    const unadopt = options.parentJob?.adopt(job);
    const timer =
      options.timeout === undefined
        ? undefined
        : setTimeout(
            () =>
              job.abort(
                new TimeoutError(`Task ${task.name ? `"${task.name}" ` : ''}ran longer than its timeout of ${options.timeout} ms`, {
                  ...Private.where(task, options),
                  timeout: options.timeout,
                }),
              ),
            options.timeout,
          );
    // The timer above cannot fire while a task's JavaScript holds the thread; the watchdog then stops it.
    const disarm = options.timeout === undefined ? undefined : armDeadline(options.timeout);
    return new Promise<IResult>((resolve, reject) => {
      const settle = (err: unknown, result?: IResult) => {
        if (settled) return;
        settled = true;
        this.active.delete(job.jobId);
        if (timer) clearTimeout(timer);
        disarm?.();
        if (signal) signal.removeEventListener('abort', onSignal!);
        unadopt?.();
        if (options.cleanup !== false) job.cleanup();
        if (result) {
          job.to('SUCCESS');
          resolve(result);
        } else reject(this.fail(job, err, Private.where(task, options)));
      };
      let settled = false;
      let flowing = false;
      let stray: NodeJS.Timeout | undefined;
      let stopping: { reason: unknown } | undefined;
      job.onAbort((reason) => {
        // A container or an interpreter is stopped by its mode, which still reports what was said while
        // it stopped (a SIGTERM handler's last lines): the job ends when the mode is done, or STOP_GRACE
        // after the cancel at the latest. A javascript body in this process is left at once.
        if (flowing && task.mode !== 'javascript') {
          stopping = { reason };
          setTimeout(() => settle(reason), Private.STOP_GRACE).unref?.();
          return;
        }
        settle(reason);
        // A task body in this process can only stop itself: one that has not within a second ignores its signal.
        if (flowing && task.mode === 'javascript') {
          stray = setTimeout(() => {
            if (flowing) job.reportCancelIgnored(Private.cancelIgnoredNotice(task, job));
          }, Private.CANCEL_GRACE);
          stray.unref?.();
        }
      });
      if (job.aborted) return settle(job.abortReason);
      try {
        job.to('QUEUED');
        job.to('RUNNING');
        flowing = true;
        const flowEnded = () => {
          flowing = false;
          if (stray) clearTimeout(stray);
        };
        this.flow(task, mode, job, rawInputs, options).then(
          (r) => {
            flowEnded();
            if (stopping) settle(stopping.reason);
            else settle(undefined, r);
          },
          (e) => {
            flowEnded();
            settle(stopping ? stopping.reason : e);
          },
        );
      } catch (err) {
        settle(err);
      }
    });
  }

  /** End the job in CANCELED or ERROR, and return the error to throw. A cancel wins over any error it caused. */
  private fail(job: Job, err: unknown, ctx: IErrorContext): TaskcellError {
    const reason: unknown = job.aborted ? job.abortReason : undefined;
    if (err instanceof CanceledError || reason instanceof CanceledError) {
      const e = err instanceof CanceledError ? err : (reason as CanceledError);
      if (job.state === 'QUEUED' || job.state === 'INACTIVE') job.to('CANCELED');
      else if (job.state !== 'CANCELED') {
        if (job.state !== 'CANCELING') job.to('CANCELING');
        job.to('CANCELED');
      }
      return e;
    }
    const e = toTaskcellError(err, ctx);
    for (const [k, v] of Object.entries(ctx)) if (e.context[k] === undefined) e.context[k] = v;
    if (job.state !== 'ERROR') job.to('ERROR', { error: serializeError(e) });
    return e;
  }

  private async flow(
    task: ITaskSpec,
    mode: IMode,
    job: Job,
    rawInputs: Record<string, unknown>,
    options: IResolvedRunOptions,
  ): Promise<IResult> {
    const ctx = Private.where(task, options);
    const validate = options.validate !== false;
    const autoConvert = options.autoConvert !== false;

    // 1. Bind every input: the caller's binding, a bare value in the port's format, or the port default.
    const bindings: IBinding[] = new Array(task.inputs.length);
    let needFetch = false;
    for (let i = 0; i < task.inputs.length; i++) {
      const port = task.inputs[i];
      let b: IBinding | undefined;
      const raw = rawInputs[port.id];
      if (raw !== undefined) b = isBinding(raw) ? raw : { format: port.format, data: raw };
      else if (port.default) b = port.default;
      else {
        throw new MissingInputError(
          `Required input "${port.id}"${task.name ? ` of task "${task.name}"` : ''}${ctx.step !== undefined ? ` (step "${ctx.step}")` : ''} is not bound and has no default`,
          { ...ctx, port: port.id, type: port.type, format: port.format },
        );
      }
      const m = bindingMode(b);
      if (m !== 'inline' && !this.io.get(m).hasData?.(b)) needFetch = true;
      bindings[i] = b;
    }
    for (const id of Object.keys(rawInputs)) {
      if (!task.inputs.some((p) => p.id === id)) {
        throw new OptionError(
          `Task${task.name ? ` "${task.name}"` : ''} has no input "${id}"; its inputs are: ${task.inputs.map((p) => p.id).join(', ') || 'none'}`,
          { ...ctx, port: id },
        );
      }
    }

    // 2. Fetch what is not inline, all at once.
    const fetched: Fetched[] = new Array(task.inputs.length);
    if (needFetch) job.to('FETCHING_INPUT');
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < bindings.length; i++) {
      const b = bindings[i];
      const m = bindingMode(b);
      if (m === 'inline') {
        fetched[i] = { data: b.data };
        continue;
      }
      const r = this.io.get(m).fetch(b, task.inputs[i], this.ioContext(job));
      if (Private.isThenable(r)) pending.push(r.then((v) => void (fetched[i] = v)));
      else fetched[i] = r;
    }
    if (pending.length) await Promise.all(pending);

    // 3. Validate and 4. convert into each port's format.
    const values: Record<string, unknown> = {};
    let converting = false;
    const conversions: Array<Promise<void>> = [];
    for (let i = 0; i < bindings.length; i++) {
      const port = task.inputs[i];
      const format = bindings[i].format ?? port.format;
      const f = fetched[i];
      if ('file' in f) {
        if (port.target === 'filepath') {
          values[port.id] = f.file;
          continue;
        }
        (f as { data?: unknown }).data = await readAs(this.formats, port.type, format, f.file);
      }
      let data = (f as { data: unknown }).data;
      if (isLiveStream(port, data)) {
        values[port.id] = data;
        continue;
      }
      if (validate) this.formats.validate(port.type, format, data, Object.assign({}, ctx, { port: port.id }), `Input "${port.id}"`);
      if (format !== port.format) {
        if (!autoConvert) {
          throw new ValidationError(
            `Input "${port.id}" is in format "${format}" but the port wants "${port.format}", and automatic conversion is off`,
            { ...ctx, port: port.id, type: port.type, format },
          );
        }
        if (!converting) {
          converting = true;
          job.to('CONVERTING_INPUT');
        }
        data = this.formats.convert(port.type, format, port.format, data, { ...ctx, port: port.id, tempdir: () => job.tempdir });
      }
      if (port.target === 'filepath') {
        const d = data;
        conversions.push(Promise.resolve(d).then(async (v) => void (values[port.id] = await writeToTemp(job.tempdir, port, v))));
      } else if (Private.isThenable(data)) {
        conversions.push(data.then((v) => void (values[port.id] = v)));
      } else values[port.id] = data;
    }
    if (conversions.length) await Promise.all(conversions);
    if (job.state !== 'RUNNING') job.to('RUNNING');

    // 5. The result cache.
    const outBindings = options.outputs ?? {};
    let key: string | undefined;
    if (options.cache !== false && task.cache !== false && mode.cacheIdentity && options.streams === undefined) {
      const k = await this.cacheKey(task, mode, values, outBindings);
      if (typeof k === 'string') {
        key = k;
        const found = this.resultCache.get(k);
        const hit = found instanceof Promise ? await found : found;
        if (hit) {
          job.cacheEvent(hit.from === undefined ? { hit: true, key: k } : { hit: true, key: k, from: hit.from });
          return this.finish(task, job, hit.outputs, outBindings, ctx, true, { validate: false, autoConvert });
        }
      } else if (job.observed) job.cacheEvent({ hit: false, skipped: k.skip });
    }

    // 6. Execute.
    const produced = await mode.execute(task, values, { job, runner: this, options, outputs: outBindings });
    const settling = settleStreams(task, produced as Record<string, unknown> | undefined, options.streams);
    const streamed = settling && (await settling);
    const outputs: Record<string, { format: string; data: unknown }> = {};
    for (const port of task.outputs) {
      if (streamed?.has(port.id)) continue;
      let v = (produced as Record<string, unknown> | undefined)?.[port.id];
      if (v === undefined) {
        throw new MissingOutputError(
          `Task${task.name ? ` "${task.name}"` : ''} did not produce its output "${port.id}" (${port.type}/${port.format})`,
          { ...ctx, port: port.id, type: port.type, format: port.format },
        );
      }
      if (port.target === 'filepath' && typeof v === 'string' && !outBindings[port.id]) {
        v = await readAs(this.formats, port.type, port.format, v);
      }
      outputs[port.id] = { format: port.format, data: v };
    }
    for (const extra of ['_visualizations']) {
      const v = (produced as Record<string, unknown> | undefined)?.[extra];
      if (v !== undefined) outputs[extra] = { format: 'object', data: v };
    }
    if (key !== undefined) this.store(key, outputs, job);
    return this.finish(task, job, outputs, outBindings, ctx, false, { validate, autoConvert });
  }

  /** Convert outputs to the requested formats, push bound ones, and build the result. */
  private async finish(
    task: ITaskSpec,
    job: Job,
    produced: Record<string, { format: string; data: unknown }>,
    outBindings: Record<string, IBinding>,
    ctx: IErrorContext,
    cached: boolean,
    flags: { validate: boolean; autoConvert: boolean },
  ): Promise<IResult> {
    const outputs: Record<string, IBinding> = {};
    const data: Record<string, unknown> = {};
    let converting = false;
    for (const port of task.outputs) {
      const p = produced[port.id];
      if (p === undefined) continue;
      const b = outBindings[port.id];
      let value = p.data;
      if (flags.validate && port.target !== 'filepath') {
        this.formats.validate(port.type, p.format, value, Object.assign({}, ctx, { port: port.id }), `Output "${port.id}"`);
      }
      const want = b?.format ?? p.format;
      if (want !== p.format && port.target !== 'filepath') {
        if (!flags.autoConvert) {
          throw new ValidationError(
            `Output "${port.id}" is "${p.format}" but its binding wants "${want}", and automatic conversion is off`,
            {
              ...ctx,
              port: port.id,
            },
          );
        }
        if (!converting) {
          converting = true;
          job.to('CONVERTING_OUTPUT');
        }
        value = await this.formats.convert(port.type, p.format, want, value, { ...ctx, port: port.id, tempdir: () => job.tempdir });
      }
      data[port.id] = value;
      outputs[port.id] = { format: want, data: value };
      if (job.observed) job.outputEvent({ port: port.id, type: port.type, format: want, preview: Private.preview(value) });
    }
    for (const [id, p] of Object.entries(produced)) if (!(id in outputs)) outputs[id] = p;
    job.to('PUSHING_OUTPUT');
    const pushes: Array<Promise<void>> = [];
    for (const port of task.outputs) {
      const b = outBindings[port.id];
      if (!b) continue;
      const m = bindingMode(b);
      if (m === 'inline') {
        outputs[port.id] = { ...b, format: outputs[port.id].format, data: data[port.id] };
        continue;
      }
      const pushed = this.io.get(m).push({ ...b, format: outputs[port.id].format }, port, data[port.id], this.ioContext(job));
      pushes.push(Promise.resolve(pushed).then((r) => void (outputs[port.id] = r)));
      delete data[port.id];
    }
    if (pushes.length) await Promise.all(pushes);
    const result: IResult = {
      jobId: job.jobId,
      state: 'SUCCESS',
      outputs,
      data,
      cached,
      elapsed: Date.now() - job.started,
      logs: job.logs,
      artifacts: job.artifacts,
    };
    if (task.name !== undefined) result.task = task.name;
    if (job.steps) result.steps = job.steps;
    return result;
  }

  private ioContext(job: Job): IIoContext {
    let c = this.ioContextCache.get(job);
    if (!c) {
      c = { job, formats: this.formats, fetchCache: this.fetchCache };
      this.ioContextCache.set(job, c);
    }
    return c;
  }

  /** The content key: the task's spec and code, every input's content, and the output formats asked for. */
  private async cacheKey(
    task: ITaskSpec,
    mode: IMode,
    values: Record<string, unknown>,
    outBindings: Record<string, IBinding>,
  ): Promise<string | { skip: string }> {
    let spec = this.specHashes.get(task);
    if (spec === undefined) {
      const id = mode.cacheIdentity!(task);
      spec = 'skip' in id ? id : specKey(task, id.code);
      if (!id.volatile) this.specHashes.set(task, spec);
    }
    if (typeof spec !== 'string') return spec;
    const h = createHash('sha256').update(spec);
    for (const port of task.inputs) {
      h.update(`\0${port.id}\0`);
      const v = values[port.id];
      if (port.target === 'filepath') {
        h.update(await readFile(v as string).catch(() => Buffer.from(`missing:${String(v)}`)));
      } else if (!hashValue(v, h)) {
        return { skip: `input "${port.id}" holds a value with no stable content` };
      }
    }
    for (const port of task.outputs) h.update(`\0>${port.id}:${outBindings[port.id]?.format ?? port.format}`);
    return h.digest('hex');
  }

  private store(key: string, outputs: Record<string, { format: string; data: unknown }>, job: Job): void {
    for (const [id, o] of Object.entries(outputs)) {
      if (!isPlainData(o.data)) {
        job.cacheEvent({ hit: false, skipped: `output "${id}" is not plain data` });
        return;
      }
    }
    try {
      this.resultCache.set(key, { outputs } satisfies ICachedResult);
      job.cacheEvent({ hit: false, key });
    } catch (err) {
      job.cacheEvent({ hit: false, skipped: `the cache could not store it: ${(err as Error).message}` });
    }
  }
}

/** Runner's options. */
export namespace Runner {
  export interface IOptions {
    formats?: FormatRegistry;
    modes?: ModeRegistry;
    io?: IoRegistry;
    /** Where caches live; `$TASKCELL_CACHE_DIR` or `./.taskcell/cache` by default. */
    cacheDir?: string;
    resultCache?: IResultCache;
    fetchCache?: FetchCache;
  }
}

namespace Private {
  /** Milliseconds a cancelled task body in this process has to stop before it is reported as ignoring its cancel. */
  export const CANCEL_GRACE = 1000;

  /** Milliseconds a mode that stops what it started (a container, an interpreter) has before its cancelled job ends anyway. */
  export const STOP_GRACE = 900;

  export function cancelIgnoredNotice(task: ITaskSpec, job: Job): string {
    return (
      `Task ${task.name ? `"${task.name}" ` : ''}(job ${job.jobId}) is still running in the kernel ${CANCEL_GRACE / 1000} s after it was cancelled: ` +
      'it ignores its cancel signal (ctx.signal). Interrupt the kernel to stop the cells waiting on it, and restart the kernel to stop the task.'
    );
  }

  /** Tell the listeners of a pooled job that it ended CANCELED. */
  export function announceCanceled(task: ITaskSpec, jobId: string, options: IResolvedRunOptions, started: number): void {
    if (options.onEvent === undefined && !globalEvents.hasListeners) return;
    const time = Date.now();
    const ev: IJobEvent = { v: JOB_EVENT_VERSION, kind: 'state', jobId, time, state: 'CANCELED', elapsed: time - started };
    if (options.parentId !== undefined) ev.parentId = options.parentId;
    if (options.step !== undefined) ev.step = options.step;
    if (task.name !== undefined) ev.task = task.name;
    if (options.onEvent) {
      try {
        options.onEvent(ev);
      } catch (err) {
        process.emitWarning(`taskcell: an onEvent listener threw: ${String(err)}`);
      }
    }
    globalEvents.emit(ev);
  }

  /** The error context of a job: its task and step. */
  /** Where a job runs: its mode's place (an interpreter, a container), through the pool's place if any; else the pool's place. */
  export function place(mode: IMode, task: ITaskSpec, outer: IJobPlace | undefined): IJobPlace | undefined {
    const own = mode.place?.(task);
    if (!own) return outer;
    const via = outer && outer.kind !== 'in-process' ? (outer.name ?? outer.kind) : undefined;
    return via !== undefined ? { ...own, via } : own;
  }

  export function where(task: ITaskSpec, options: IResolvedRunOptions): IErrorContext {
    const ctx: IErrorContext = {};
    if (task.name !== undefined) ctx.task = task.name;
    if (options.step !== undefined) ctx.step = options.step;
    return ctx;
  }

  export function isThenable(v: unknown): v is Promise<unknown> {
    return typeof (v as { then?: unknown } | null)?.then === 'function';
  }

  export function bindAll(task: ITaskSpec, inputs: Record<string, unknown>): Record<string, IBinding> {
    const out: Record<string, IBinding> = {};
    for (const [id, v] of Object.entries(inputs)) {
      const port: IPortSpec | undefined = task.inputs.find((p) => p.id === id);
      out[id] = isBinding(v) ? v : { format: port?.format, data: v };
    }
    return out;
  }

  export function preview(v: unknown): string | undefined {
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v.length > 80 ? `${v.slice(0, 77)}...` : v;
    if (Buffer.isBuffer(v)) return `<${v.length} bytes>`;
    try {
      const s = JSON.stringify(v);
      return s.length > 80 ? `${s.slice(0, 77)}...` : s;
    } catch {
      return String(v);
    }
  }
}
