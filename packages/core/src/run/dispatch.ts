import { randomUUID } from 'node:crypto';
import { CanceledError, toCanceledError } from '../errors';
import type { TaskcellError } from '../errors';
import { JOB_EVENT_VERSION, globalEvents } from '../events';
import type { IJobEvent } from '../events';
import { isBinding } from '../io/bindings';
import type { IWorkerPool } from '../pools/registry';
import type { IBinding, IPortSpec, ITaskSpec } from '../spec';
import type { IResolvedRunOptions, IResult } from './options';

/** Lets `cancel(jobId)` reach a job by id; returns a function that forgets it. */
export type TrackJob = (jobId: string, abort: (reason: unknown) => void) => () => void;

/**
 * Hand a job to a pool. `cancel(jobId)` (through `track`), the caller's signal and the parent
 * workflow's cancel reach the pool through its cancel hook (or a signal per job when it has none),
 * and the pool passes the cancel on to wherever the job runs.
 */
export function dispatch(
  pool: IWorkerPool,
  task: ITaskSpec,
  inputs: Record<string, unknown>,
  options: IResolvedRunOptions,
  track: TrackJob,
): Promise<IResult> {
  const jobId = options.jobId ?? randomUUID();
  const toError = (reason: unknown): TaskcellError => toCanceledError(reason, `Job ${jobId} was cancelled`, { job: jobId });
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
  const untrack = track(jobId, abort);
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
      untrack();
      outer?.removeEventListener('abort', onOuter);
      unadopt?.();
    });
}

namespace Private {
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

  export function bindAll(task: ITaskSpec, inputs: Record<string, unknown>): Record<string, IBinding> {
    const out: Record<string, IBinding> = {};
    for (const [id, v] of Object.entries(inputs)) {
      const port: IPortSpec | undefined = task.inputs.find((p) => p.id === id);
      out[id] = isBinding(v) ? v : { format: port?.format, data: v };
    }
    return out;
  }
}
