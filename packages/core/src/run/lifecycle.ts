import { CanceledError, OptionError, TimeoutError, serializeError, toCanceledError, toTaskcellError } from '../errors';
import type { IErrorContext, TaskcellError } from '../errors';
import type { IJobPlace } from '../events';
import { Job } from '../job';
import type { IMode } from '../modes/registry';
import type { ITaskSpec } from '../spec';
import { armDeadline } from '../watchdog';
import type { Runner } from '../runner';
import type { IResolvedRunOptions, IResult } from './options';
import { where } from './options';
import type { JobPipeline } from './pipeline';

/**
 * The lifecycle of a job run in this process: made QUEUED, RUNNING through its pipeline, and ended
 * once, in SUCCESS, ERROR or CANCELED, whatever comes first of its end, its cancel and its timeout.
 */
export class JobLifecycle {
  /**
   * @param active - the runner's table of jobs running here, by id (so `cancel(jobId)` finds them)
   */
  constructor(
    private readonly runner: Runner,
    private readonly pipeline: JobPipeline,
    private readonly active: Map<string, Job>,
  ) {}

  /** Run a task in this process: its job from QUEUED to SUCCESS, ERROR or CANCELED. */
  run(task: ITaskSpec, rawInputs: Record<string, unknown>, options: IResolvedRunOptions): Promise<IResult> {
    const mode = this.runner.check(task);
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
    this.active.set(job.jobId, job);
    const signal = options.signal;
    const onSignal = signal
      ? () => {
          // A caller's own abort reason (a DOMException, a string) becomes a CanceledError that keeps it as its cause.
          const r: unknown = signal.reason;
          job.abort(toCanceledError(r, 'Job was cancelled', where(task, options)));
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
                  ...where(task, options),
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
        } else reject(this.fail(job, err, where(task, options)));
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
        this.pipeline.flow(task, mode, job, rawInputs, options).then(
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

  /** Where a job runs: its mode's place (an interpreter, a container), through the pool's place if any; else the pool's place. */
  export function place(mode: IMode, task: ITaskSpec, outer: IJobPlace | undefined): IJobPlace | undefined {
    const own = mode.place?.(task);
    if (!own) return outer;
    const via = outer && outer.kind !== 'in-process' ? (outer.name ?? outer.kind) : undefined;
    return via !== undefined ? { ...own, via } : own;
  }
}
