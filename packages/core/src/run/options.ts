import type { IErrorContext } from '../errors';
import type { IArtifactRef, IJobPlace, JobEventListener } from '../events';
import type { Job } from '../job';
import type { IBinding, ITaskSpec } from '../spec';
import type { TimeLimitKind } from './limits';
import type { IRetryOptions } from './retry';
import type { IStepSelection } from '../modes/workflow-select';
import type { IKeepOptions } from '../keep';
import type { IStreamSink } from '../streams/channel';

/** How to run. Every field is optional. `from`/`only` re-run part of a workflow; `keep` keeps a failed job's working directory. */
export interface IRunOptions extends IStepSelection, IKeepOptions {
  /** Abort to cancel the job (or workflow); it ends CANCELED. */
  signal?: AbortSignal;
  /**
   * Milliseconds the job may take; past that it ends ERROR with a TimeoutError. A task's own
   * `timeout` (and a workflow step's) still holds when it is smaller: the smallest limit wins.
   */
  timeout?: number;
  /**
   * Try a failed job again: `{ max, backoff: "fixed" | "exponential", delay, maxDelay, on }`.
   * Replaces the task's own policy (and, for a workflow, its steps' policies).
   */
  retries?: IRetryOptions;
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
  /** Which limit `timeout` is: the run's (default) or the workflow step's. */
  timeoutOf?: TimeLimitKind;
  /**
   * Set by a pool that retries jobs itself (the remote pool, through BullMQ): this run is attempt
   * `n`, and a failure the policy retries leaves the job QUEUED and sets `retry` for the pool to
   * run it again.
   */
  attempt?: { n: number; retry?: boolean };
  /** Serve the job from the result cache or fail with a NotServedError: a step a re-run does not run. */
  cacheOnly?: boolean;
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

/** The error context of a job: its task and step. */
export function where(task: ITaskSpec, options: IResolvedRunOptions): IErrorContext {
  const ctx: IErrorContext = {};
  if (task.name !== undefined) ctx.task = task.name;
  if (options.step !== undefined) ctx.step = options.step;
  return ctx;
}
