import { OptionError, TimeoutError } from '../errors';
import type { ITaskSpec } from '../spec';
import type { IResolvedRunOptions } from './options';
import { where } from './options';
import { parseRetries, retryDelay } from './retry';
import type { IRetryPolicy } from './retry';

/** Which limit a timeout is: the task's own (`"timeout"` in its spec), its workflow step's, or the run's. */
export type TimeLimitKind = 'task' | 'step' | 'run';

/** The time limit that holds for a job: the smallest of its limits, and which one that is. */
export interface ITimeLimit {
  ms: number;
  of: TimeLimitKind;
}

/**
 * The limit of a job: `options.timeout` (the run's, or the step's when `timeoutOf` says so) or the
 * task's own `timeout`, whichever is smaller; on a tie the outer one (run, then step) is named.
 */
export function timeLimit(task: ITaskSpec, options: IResolvedRunOptions): ITimeLimit | undefined {
  const own = task.timeout;
  const given = options.timeout;
  if (given === undefined) return own === undefined ? undefined : { ms: own, of: 'task' };
  if (own !== undefined && own < given) return { ms: own, of: 'task' };
  return { ms: given, of: options.timeoutOf ?? 'run' };
}

/** The error of a job that ran past its limit, naming the limit (task, step or run) and its milliseconds. */
export function timeoutError(task: ITaskSpec, options: IResolvedRunOptions, limit: ITimeLimit): TimeoutError {
  const what = task.mode === 'workflow' ? 'Workflow' : 'Task';
  const name = task.name !== undefined ? ` "${task.name}"` : '';
  const step = options.step !== undefined ? ` (step "${options.step}")` : '';
  return new TimeoutError(`${what}${name}${step} ran longer than its ${limit.of} timeout of ${limit.ms} ms`, {
    ...where(task, options),
    timeout: limit.ms,
    limit: limit.of,
  });
}

/**
 * How long a job with this limit and retry policy may take in all, for a pool's last-resort stop of
 * a job whose JavaScript holds its thread: every attempt's limit and `grace`, and the waits between.
 */
export function totalBudget(limit: ITimeLimit, policy: IRetryPolicy | undefined, grace: number): number {
  const attempts = policy === undefined ? 1 : policy.max + 1;
  let total = attempts * (limit.ms + grace);
  for (let n = 2; n <= attempts; n++) total += retryDelay(policy!, n);
  return total;
}

/** The retry policy of a job: the run's (or step's) option in place of the task's own; workflows retry their steps, not themselves. */
export function retryPolicy(task: ITaskSpec, options: IResolvedRunOptions): IRetryPolicy | undefined {
  if (task.mode === 'workflow') return undefined;
  if (options.retries !== undefined) return parseRetries(options.retries, 'retries', OptionError);
  return task.retries;
}
