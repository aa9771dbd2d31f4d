import { CanceledError, OptionError, serializeError, toCanceledError, toTaskcellError } from '../errors';
import type { IErrorContext, ISerializedError, TaskcellError, TimeoutError } from '../errors';
import type { IJobPlace } from '../events';
import { Job } from '../job';
import type { IMode } from '../modes/registry';
import type { ITaskSpec } from '../spec';
import { armDeadline } from '../watchdog';
import type { Runner } from '../runner';
import type { IResolvedRunOptions, IResult } from './options';
import { where } from './options';
import { retryPolicy, timeLimit, timeoutError } from './limits';
import { isRetryable, retryDelay } from './retry';
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

  /**
   * Run a task in this process: its job from QUEUED to SUCCESS, ERROR or CANCELED. Each attempt
   * runs under the job's time limit; a failed attempt that its retry policy retries goes back to
   * QUEUED and starts again after the policy's delay (or, for a pool that retries jobs itself, is
   * left QUEUED for the pool).
   */
  run(task: ITaskSpec, rawInputs: Record<string, unknown>, options: IResolvedRunOptions): Promise<IResult> {
    const mode = this.runner.check(task);
    if (options.timeout !== undefined && !(options.timeout > 0)) {
      throw new OptionError(`Expected \`timeout\` to be a number of milliseconds > 0, got \`${options.timeout}\``, { option: 'timeout' });
    }
    const limit = options.timeout === undefined && task.timeout === undefined ? undefined : timeLimit(task, options);
    const policy = retryPolicy(task, options);
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
    const attempts = policy === undefined ? 1 : policy.max + 1;
    const pooled = options.attempt !== undefined;
    return new Promise<IResult>((resolve, reject) => {
      let settled = false;
      let n = options.attempt ?? 1;
      let current: Private.IAttempt | undefined;
      /** The timer of the running attempt's limit, its watchdog, and the timeout it fired (to tell it from a cancel). */
      let timer: NodeJS.Timeout | undefined;
      let disarm: (() => void) | undefined;
      let timedOut: TimeoutError | undefined;
      let pause: NodeJS.Timeout | undefined;
      const stopClock = () => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        disarm?.();
        disarm = undefined;
      };
      const settle = (err: unknown, result?: IResult, requeued = false) => {
        if (settled) return;
        settled = true;
        this.active.delete(job.jobId);
        stopClock();
        if (pause) clearTimeout(pause);
        if (signal) signal.removeEventListener('abort', onSignal!);
        unadopt?.();
        if (options.cleanup !== false) job.cleanup();
        if (result) {
          job.to('SUCCESS');
          resolve(result);
        } else if (requeued) reject(toTaskcellError(err, where(task, options)));
        else reject(this.fail(job, err, where(task, options)));
      };
      // An attempt failed: start another when the policy retries this error and attempts are left,
      // else end the job. A cancel from outside (not this attempt's own timeout) is never retried.
      const failed = (a: Private.IAttempt, err: unknown) => {
        if (a !== current || a.done) return;
        a.done = true;
        const outside = job.aborted && job.abortReason !== timedOut;
        if (policy === undefined || outside || n >= attempts || !isRetryable(policy, err)) return settle(err);
        stopClock();
        job.requeue();
        timedOut = undefined;
        if (pooled) return settle(err, undefined, true);
        const delay = retryDelay(policy, n + 1);
        pause = setTimeout(() => {
          pause = undefined;
          n++;
          start({ delay, error: serializeError(err) });
        }, delay);
      };
      const start = (after?: { delay: number; error: ISerializedError }) => {
        const a: Private.IAttempt = { flowing: false, done: false };
        current = a;
        try {
          if (!after) job.to('QUEUED');
          if (attempts > 1 && job.observed) job.attemptEvent(after ? { n, of: attempts, ...after } : { n, of: attempts });
          if (limit !== undefined) {
            timer = setTimeout(() => job.abort((timedOut = timeoutError(task, options, limit))), limit.ms);
            // The timer above cannot fire while a task's JavaScript holds the thread; the watchdog then stops it.
            disarm = armDeadline(limit.ms);
          }
          job.to('RUNNING');
          a.flowing = true;
          const flowEnded = () => {
            a.flowing = false;
            if (a.stray) clearTimeout(a.stray);
          };
          this.pipeline.flow(task, mode, job, rawInputs, options).then(
            (r) => {
              flowEnded();
              if (a.stopping) failed(a, a.stopping.reason);
              else if (a === current && !a.done) settle(undefined, r);
            },
            (e) => {
              flowEnded();
              failed(a, a.stopping ? a.stopping.reason : e);
            },
          );
        } catch (err) {
          settle(err);
        }
      };
      job.onAbort((reason) => {
        const a = current;
        // Between attempts (or before the first), nothing runs: the job ends now.
        if (!a || a.done) return settle(reason);
        // A container or an interpreter is stopped by its mode, which still reports what was said while
        // it stopped (a SIGTERM handler's last lines): the attempt ends when the mode is done, or STOP_GRACE
        // after the cancel at the latest. A javascript body in this process is left at once.
        if (a.flowing && task.mode !== 'javascript') {
          a.stopping = { reason };
          setTimeout(() => failed(a, reason), Private.STOP_GRACE).unref?.();
          return;
        }
        failed(a, reason);
        // A task body in this process can only stop itself: one that has not within a second ignores its signal.
        if (settled && a.flowing && task.mode === 'javascript') {
          a.stray = setTimeout(() => {
            if (a.flowing) job.reportCancelIgnored(Private.cancelIgnoredNotice(task, job));
          }, Private.CANCEL_GRACE);
          a.stray.unref?.();
        }
      });
      if (job.aborted) return settle(job.abortReason);
      start();
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
  /** One attempt of a job: whether its pipeline still runs, and how it is being stopped. */
  export interface IAttempt {
    flowing: boolean;
    /** Set once the attempt's end was decided (retried or settled); later news of it is ignored. */
    done: boolean;
    stopping?: { reason: unknown };
    stray?: NodeJS.Timeout;
  }

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
