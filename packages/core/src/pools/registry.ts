import { OptionError } from '../errors';
import type { TaskcellError } from '../errors';
import type { IJobPlace } from '../events';
import type { IBinding, ITaskSpec } from '../spec';
import type { IResolvedRunOptions, IResult } from '../run/options';
import type { Runner } from '../runner';

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
 * The pool kinds a runner knows, by the first word of `on` (`threads`, `redis`), and the pools it
 * opened, by their whole `on`: one pool per `on`, made on first use, closed with the runner.
 */
export class PoolRegistry {
  private factories = new Map<string, PoolFactory>();
  private live = new Map<string, IWorkerPool>();

  /** Register a pool kind by its scheme; the returned disposable forgets it. */
  register(scheme: string, factory: PoolFactory): { dispose(): void } {
    this.factories.set(scheme, factory);
    return { dispose: () => this.factories.delete(scheme) };
  }

  /** The pool for `on`, opened on first use; an OptionError lists the kinds known when none fits. */
  get(on: string, runner: Runner): IWorkerPool {
    const live = this.live.get(on);
    if (live) return live;
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(on)?.[1] ?? on;
    const factory = this.factories.get(scheme);
    if (!factory) {
      throw new OptionError(
        `No worker pool for on: "${on}"; this runner knows "in-process"${[...this.factories.keys()].map((k) => `, "${k}"`).join('')}`,
        { on },
      );
    }
    const pool = factory(on, runner);
    this.live.set(on, pool);
    return pool;
  }

  /** Close every pool opened so far; each is closed even when another fails. */
  async close(): Promise<void> {
    const pools = [...this.live.values()];
    this.live.clear();
    await Promise.allSettled(pools.map((p) => p.close()));
  }
}
