import { join } from 'node:path';
import { CanceledError } from './errors';
import type { TaskcellError } from './errors';
import type { Job } from './job';
import { FormatRegistry } from './formats/registry';
import { ModeRegistry } from './modes/registry';
import type { IMode } from './modes/registry';
import { IoRegistry } from './io/registry';
import { FetchCache } from './cache/fetch-cache';
import { DiskResultCache, LayeredResultCache } from './cache/result-cache';
import type { IResultCache } from './cache/result-cache';
import type { ITaskSpec } from './spec';
import { PoolRegistry } from './pools/registry';
import type { PoolFactory } from './pools/registry';
import { dispatch } from './run/dispatch';
import type { TrackJob } from './run/dispatch';
import { JobLifecycle } from './run/lifecycle';
import { JobPipeline } from './run/pipeline';
import type { IResolvedRunOptions, IResult } from './run/options';

// The runner's contracts live beside their code; `@taskcell/core` exports them from here.
export type { IRunOptions, IResolvedRunOptions, IResult } from './run/options';
export type { IWorkerPool, PoolFactory } from './pools/registry';

/**
 * The engine: registries of formats, modes, io modes and pools, the two caches, and the flow of one
 * job: bind inputs -> fetch -> validate -> convert -> (cache) -> execute -> convert outputs -> push.
 */
export class Runner {
  readonly formats: FormatRegistry;
  readonly modes: ModeRegistry;
  readonly io: IoRegistry;
  readonly cacheDir: string;
  private pools = new PoolRegistry();
  private active = new Map<string, Job>();
  /** Jobs running in a pool, by id: how to cancel each. */
  private remote = new Map<string, (reason: unknown) => void>();
  private checked = new WeakSet<ITaskSpec>();
  private _resultCache: IResultCache | undefined;
  private _fetchCache: FetchCache | undefined;
  private lifecycle = new JobLifecycle(this, new JobPipeline(this), this.active);

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
    return this.pools.register(scheme, factory);
  }

  /** The ids of jobs that have not ended. */
  activeJobs(): string[] {
    return [...this.active.keys(), ...this.remote.keys()];
  }

  /** Cancel one running job (a step cancels only itself; a workflow cancels its steps). True if it was running. */
  cancel(jobId: string): boolean {
    return this.abortJob(jobId, new CanceledError(`Job ${jobId} was cancelled`, { job: jobId }));
  }

  private abortJob(jobId: string, reason: CanceledError): boolean {
    const a = this.active.get(jobId);
    if (a) a.abort(reason);
    else this.remote.get(jobId)?.(reason);
    return a !== undefined || this.remote.has(jobId);
  }

  /** Let `cancel(jobId)` reach a job that runs outside `execute` (a map's batch); returns a function that forgets it. */
  track(jobId: string, abort: (reason: unknown) => void): () => void {
    return this.trackJob(jobId, abort);
  }

  private trackJob: TrackJob = (jobId, abort) => {
    this.remote.set(jobId, abort);
    return () => void this.remote.delete(jobId);
  };

  /** Cancel every running job. */
  cancelAll(): number {
    const ids = this.activeJobs();
    for (const id of ids) this.cancel(id);
    return ids.length;
  }

  /**
   * Cancel the jobs still running, then close the pools this runner opened. A job left running
   * would keep the process alive: its warm interpreter or thread is held while a call is in flight.
   */
  async close(): Promise<void> {
    for (const id of this.activeJobs()) this.abortJob(id, new CanceledError(`Job ${id} was cancelled: its runner closed`, { job: id }));
    await this.pools.close();
  }

  /**
   * Run a normalized task with input bindings (or bare values in each port's format). Resolves with
   * the result; rejects with a typed error (CanceledError when cancelled).
   */
  execute(task: ITaskSpec, inputs: Record<string, unknown>, options: IResolvedRunOptions = {}): Promise<IResult> {
    // A workflow is scheduled here; its steps go to the pool one by one, so independent steps run on different workers.
    if (options.on !== undefined && options.on !== 'in-process' && task.mode !== 'workflow') {
      return dispatch(this.pools.get(options.on, this), task, inputs, options, this.trackJob);
    }
    return this.lifecycle.run(task, inputs, options);
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
