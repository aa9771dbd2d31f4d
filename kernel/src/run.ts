/**
 * `run()` as the notebook sees it: core's `run`, plus a live job card in the cell while the run
 * goes on, and a result that displays itself as a job card with its outputs rendered by their
 * declared types. Outside a kernel it is core's `run` with the same result.
 */
import { randomUUID } from 'node:crypto';
import { run as coreRun, isBinding, toSpec } from '@taskcell/core';
import type { IRunOptions, IResult } from '@taskcell/core';
import { displaySink } from './display';
import { LiveCard, attachResultCard, placeOf } from './job-card';
import type { IRunInfo } from './job-card';
import { PENDING_RUN, cardedJobs } from './pending-run';
import type { IPendingRun } from './pending-run';

/** Settings of the notebook API. */
export interface ITaskcellConfig {
  /**
   * Show a live job card in the cell while a run goes on (default true). Per run:
   * `run(t, inputs, { card: false })`.
   */
  liveCards: boolean;
  /** Milliseconds a run must take before its live card shows (default 250): quick runs leave no card behind. */
  liveCardDelay: number;
}

/** Settings of the notebook API: `config.liveCards = false` turns live job cards off for every run. */
export const config: ITaskcellConfig = { liveCards: true, liveCardDelay: 250 };

/** `run`'s options in a notebook: core's, and `card: false` to run without a live card. */
export interface IKernelRunOptions extends IRunOptions {
  /** False: no live job card in the cell for this run. */
  card?: boolean;
}

/**
 * Run a task or workflow and wait for its result; core's `run` with a job card. In a kernel, the
 * cell shows a live card (state, progress) while the run goes on, unless `{ card: false }` or
 * `config.liveCards = false`; a run not awaited, left as the cell's value, shows that card, which
 * ends showing the outputs. The result displays as a job card whose outputs render by their
 * declared types (`display(result)`, or as the cell's value).
 */
export function run<T extends Parameters<typeof coreRun>[0]>(
  task: T,
  inputs?: Parameters<typeof coreRun<T>>[1],
  outputsOrOptions?: Parameters<typeof coreRun<T>>[2] | IKernelRunOptions,
  options?: IKernelRunOptions,
): ReturnType<typeof coreRun<T>> {
  let spec;
  try {
    spec = toSpec(task);
  } catch (err) {
    return Promise.reject(err) as ReturnType<typeof coreRun<T>>;
  }
  const { outputs, options: opts } = Private.split(outputsOrOptions, options);
  const { card: cardOption, ...runOptions } = opts;
  const sink = displaySink();
  const jobId = runOptions.jobId ?? randomUUID();
  const info: IRunInfo = { jobId, spec, where: placeOf(spec, runOptions.on) };
  Private.remember(jobId, { spec, on: runOptions.on });
  const live =
    sink && cardOption !== false && config.liveCards
      ? new LiveCard(sink.bound?.() ?? sink, info, { showDelay: config.liveCardDelay })
      : undefined;
  const onEvent = runOptions.onEvent;
  const carded = cardedJobs();
  carded.add(jobId);
  const promise = coreRun(task, inputs, {
    ...runOptions,
    ...(outputs ? { outputs } : {}),
    jobId,
    ...(live ? { onEvent: onEvent ? (e) => (live.onEvent(e), onEvent(e)) : live.onEvent } : {}),
  } as IRunOptions).then(
    (result: IResult) => {
      carded.delete(jobId);
      attachResultCard(result, info, live && (() => live.endedView()));
      live?.succeed(result);
      return result;
    },
    (err: unknown) => {
      carded.delete(jobId);
      live?.fail(err);
      throw err;
    },
  ) as ReturnType<typeof coreRun<T>>;
  const show = (): void => {
    // The card shows how the run ends, a failure too: the rejection is handled there.
    promise.catch(() => undefined);
    live?.showAsValue();
  };
  if (live) Object.defineProperty(promise, PENDING_RUN, { value: { show } satisfies IPendingRun });
  return promise;
}

/** What a run in this kernel started: its task's spec and where it ran. */
export interface IRunStart {
  spec: ReturnType<typeof toSpec>;
  on?: IRunOptions['on'];
}

/** The task and place of job `jobId`, when a `run()` of this kernel started it (the last 1000 kept). */
export function runStartOf(jobId: string): IRunStart | undefined {
  return Private.started().get(jobId);
}

/** The pools (`on`) that run() has sent jobs to in this kernel, newest last. */
export function placesUsed(): string[] {
  const seen = new Set<string>();
  for (const start of Private.started().values()) if (start.on !== undefined) seen.add(start.on);
  return [...seen];
}

namespace Private {
  const KEPT = 1000;

  /** Kept on a global, so every copy of this module a notebook loads shares one table. */
  export function started(): Map<string, IRunStart> {
    const g = globalThis as unknown as Record<symbol, Map<string, IRunStart>>;
    return (g[Symbol.for('taskcell.runStarts')] ??= new Map());
  }

  export function remember(jobId: string, start: IRunStart): void {
    const table = started();
    table.set(jobId, start);
    if (table.size > KEPT) table.delete(table.keys().next().value as string);
  }

  /**
   * Girder Worker's `run(task, inputs, outputs, options)` or `run(task, inputs, options)`: the
   * third argument is options when it has `card`, or when it is not made of output bindings (the
   * rule core's `run` applies).
   */
  export function split(
    third: unknown,
    fourth: IKernelRunOptions | undefined,
  ): { outputs?: Record<string, unknown>; options: IKernelRunOptions } {
    if (fourth !== undefined) return { outputs: third as Record<string, unknown> | undefined, options: fourth };
    if (third === undefined || third === null) return { options: {} };
    const t = third as Record<string, unknown>;
    if (typeof t.card === 'boolean' || !isOutputs(t)) return { options: t as IKernelRunOptions };
    return { outputs: t, options: {} };
  }

  function isOutputs(v: Record<string, unknown>): boolean {
    const values = Object.values(v);
    if (values.length === 0) return false;
    return values.every((b) => isBinding(b) || (b !== null && typeof b === 'object' && 'format' in b && !(b instanceof AbortSignal)));
  }
}
