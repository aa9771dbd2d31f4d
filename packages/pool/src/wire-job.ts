import { taskToWire } from '@taskcell/core';
import type {
  IJobEvent,
  IJobPlace,
  IResolvedRunOptions,
  IResult,
  IRetryOptions,
  ITaskSpec,
  Runner,
  TaskJSON,
  TimeLimitKind,
} from '@taskcell/core';

/** The run options that travel with a job to where it runs (the rest stay with the caller). */
export interface IWireOptions {
  jobId: string;
  parentId?: string;
  step?: string;
  cache?: boolean;
  timeout?: number;
  /** Which limit `timeout` is (a workflow step's, else the run's). */
  timeoutOf?: TimeLimitKind;
  /** The run's or step's retry policy, in place of the task's own. */
  retries?: IRetryOptions;
  validate?: boolean;
  autoConvert?: boolean;
}

/** The options of a job, as they travel. */
export function wireOptions(options: IResolvedRunOptions, jobId: string): IWireOptions {
  const o: IWireOptions = { jobId };
  if (options.parentId !== undefined) o.parentId = options.parentId;
  if (options.step !== undefined) o.step = options.step;
  if (options.cache !== undefined) o.cache = options.cache;
  if (options.timeout !== undefined) o.timeout = options.timeout;
  if (options.timeoutOf !== undefined) o.timeoutOf = options.timeoutOf;
  if (options.retries !== undefined) o.retries = options.retries;
  if (options.validate !== undefined) o.validate = options.validate;
  if (options.autoConvert !== undefined) o.autoConvert = options.autoConvert;
  return o;
}

/**
 * A task's wire form, made once per spec: finding captured variables parses the function, which
 * costs more than running a small task. A task that carries declarations of its notebook (`scope`)
 * is wired again at each dispatch, so a constant changed in a cell travels with the next run; the
 * same object comes back while the text is unchanged, so pools may key what they sent by it.
 * Throws the CaptureError of `taskToWire`.
 */
export function wireTask(spec: ITaskSpec, where: string): IWiredTask {
  const hit = Private.wired.get(spec);
  if (hit && !hit.scoped) return hit;
  const json = taskToWire(spec, where);
  const text = JSON.stringify(json);
  if (hit && hit.text === text) return hit;
  const wired = { json, text, scoped: Private.scoped(json) };
  Private.wired.set(spec, wired);
  return wired;
}

/** A task as it travels: its wire JSON and that JSON's text. */
export interface IWiredTask {
  readonly json: TaskJSON;
  readonly text: string;
  /** True when it carries notebook declarations, whose values may change between runs. */
  readonly scoped: boolean;
}

/** Run one job that arrived from elsewhere on this side's runner, with its events (each with its place) sent back through `onEvent`. */
export function executeWired(
  runner: Runner,
  spec: ITaskSpec,
  inputs: Record<string, unknown>,
  options: IWireOptions,
  where: { signal?: AbortSignal; place: IJobPlace; onEvent?: (event: IJobEvent) => void },
): Promise<IResult> {
  const run: IResolvedRunOptions = Object.assign({}, options, { place: where.place });
  if (where.signal) run.signal = where.signal;
  const send = where.onEvent;
  // Every event says where the job ran, not only the state events that carry it here.
  if (send) run.onEvent = (e) => send(e.place ? e : { ...e, place: where.place });
  return runner.execute(spec, inputs, run);
}

namespace Private {
  export const wired = new WeakMap<ITaskSpec, IWiredTask>();

  export function scoped(json: TaskJSON): boolean {
    return json.scope !== undefined || (Array.isArray(json.steps) && json.steps.some((s) => scoped((s as { task: TaskJSON }).task)));
  }
}
