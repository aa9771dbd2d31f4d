/**
 * Job cards in the cell: the live card of a run (state and progress, updated in place and
 * throttled) and the card of a finished run's result, whose outputs render by their ports'
 * declared types. Both are `application/vnd.taskcell.job+json` bundles from @taskcell/display.
 */
import { DISPLAY_SYMBOL, JobEventQueue, createJobView, isFinalState, jobViewBundle, textBundle } from '@taskcell/display';
import type { IJobCard, IJobView, IMimeBundle, IRenderedOutput } from '@taskcell/display';
import type { IBinding, IJobEvent, IResult, ITaskSpec } from '@taskcell/core';
import type { IDisplaySink } from './jupyter/output';
import { typedBundle } from './typed-bundle';

/** What a card knows of a run before it starts: the task, where it runs, and its declared outputs. */
export interface IRunInfo {
  jobId: string;
  spec: ITaskSpec;
  /** Where it runs, in a word: in-process, threads, remote, docker, python, r. */
  where: string;
}

/** Where a run goes, in a word: the pool it was sent to, else the mode that runs it outside JavaScript. */
export function placeOf(spec: ITaskSpec, on: string | undefined): string {
  const mode = spec.mode === 'docker' || spec.mode === 'python' || spec.mode === 'r' ? spec.mode : undefined;
  const pool = on === undefined ? undefined : on === 'threads' ? 'threads' : /^rediss?:/.test(on) ? 'remote' : on;
  if (pool) return mode ? `${pool} (${mode})` : pool;
  return mode ?? 'in-process';
}

/** The card of a run that ended well: state, where, duration, cache hit, steps, and (unless told not to) each output rendered by its declared type. */
export function resultCard(result: IResult, info: IRunInfo, view?: IJobView, withOutputs = true): IJobCard {
  const card: IJobCard = { ...(view ?? createJobView(result.jobId, result.task)), where: info.where };
  card.task = result.task ?? info.spec.name ?? card.task;
  card.state = 'SUCCESS';
  card.elapsed = result.elapsed;
  card.cached = result.cached;
  card.progress = undefined;
  for (const step of Object.keys(result.steps ?? {})) if (!isFinalState(card.steps[step])) card.steps[step] = 'SUCCESS';
  if (withOutputs) card.results = info.spec.outputs.map((port) => Private.output(port.id, port.type, port.format, result.outputs[port.id]));
  return card;
}

/** Give a run's result its card as its own display (`Symbol.for("Jupyter.display")`, not enumerable), rendered when shown, from the live card's view if it had one. */
export function attachResultCard(result: IResult, info: IRunInfo, view?: () => IJobView): void {
  Object.defineProperty(result, DISPLAY_SYMBOL, {
    value: () => jobViewBundle(resultCard(result, info, view?.())),
    enumerable: false,
    configurable: true,
  });
}

/**
 * A run's live card. Shown once the run has taken `showDelay` ms (or at once when it becomes the
 * cell's value), updated in place through its display id at most every `updateInterval` ms, and
 * brought to its final state when the run ends: with the outputs when the card stands for the
 * cell's value (a run not awaited), else as a summary (the awaited result shows itself).
 */
export class LiveCard {
  /** The Jupyter display id of the card. */
  readonly displayId: string;
  /** The job as the card shows it, folded from its events. */
  readonly view: IJobView;

  constructor(
    private readonly sink: IDisplaySink,
    private readonly info: IRunInfo,
    private readonly options: LiveCard.IOptions = {},
  ) {
    this.displayId = `taskcell-job-${info.jobId}`;
    // A workflow's steps appear with its first event (the DAG).
    this.view = createJobView(info.jobId, info.spec.name);
    const delay = options.showDelay ?? 250;
    if (delay <= 0) this.render();
    else {
      this.timer = setTimeout(() => this.render(), delay);
      this.timer.unref?.();
    }
  }

  /**
   * Take a job event. Events wait in a queue (of a step, only its latest state) and are folded in
   * when the card is drawn (at most every `updateInterval` ms): a workflow's steps send thousands
   * of events, and a run that ends between two draws never pays for folding them.
   */
  readonly onEvent = (event: IJobEvent): void => {
    if (this.ended) return;
    this.queue.push(this.view, event);
    if (this.shown && !this.timer) {
      this.timer = setTimeout(() => this.render(), Math.max(0, this.last + (this.options.updateInterval ?? 100) - Date.now()));
      this.timer.unref?.();
    }
  };

  /** Show the card now as the cell's value: when the run ends, it shows the outputs. */
  showAsValue(): void {
    this.asValue = true;
    this.render();
  }

  /**
   * The run succeeded. Its steps all ended well, so only the job's own events are still to fold,
   * and only when a card is drawn: a run that ends unseen folds nothing.
   */
  succeed(result: IResult): void {
    this.end(() => resultCard(result, this.info, this.endedView(), this.asValue));
  }

  /** The view of a run that succeeded: its own events folded in (its steps' states come from its result). */
  endedView(): IJobView {
    return this.queue.foldInto(this.view, true);
  }

  /** The run failed or was cancelled. */
  fail(err: unknown): void {
    this.queue.foldInto(this.view);
    const code = (err as { code?: unknown })?.code;
    const state = code === 'taskcell:canceled' ? 'CANCELED' : 'ERROR';
    const message = err instanceof Error ? err.message : String(err);
    const error = this.view.error ?? (typeof code === 'string' ? `${code}: ${message}` : message);
    this.end(() => ({ ...this.view, where: this.info.where, state, error }));
  }

  private end(card: () => IJobCard): void {
    if (this.ended) return;
    this.ended = true;
    this.final = card;
    this.clearTimer();
    if (this.shown) this.render();
  }

  private render(): void {
    this.clearTimer();
    const card: IJobCard = this.final ? this.final() : { ...this.queue.foldInto(this.view), where: this.info.where };
    this.sink.display(jobViewBundle(card), {}, this.displayId, this.shown);
    this.shown = true;
    this.last = Date.now();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private shown = false;
  private ended = false;
  private asValue = false;
  private last = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private final: (() => IJobCard) | undefined;
  private readonly queue = new JobEventQueue();
}

/** The LiveCard's options. */
export namespace LiveCard {
  /** Timing of a live card. */
  export interface IOptions {
    /** Milliseconds a run must take before its card shows (default 250; 0 shows it at once): quick runs leave no card behind. */
    showDelay?: number;
    /** Minimum milliseconds between two updates (default 100), so a workflow of many steps is not slowed. */
    updateInterval?: number;
  }
}

namespace Private {
  export function output(port: string, type: string, declared: string, binding: IBinding | undefined): IRenderedOutput {
    const b = (binding ?? {}) as { format?: string; data?: unknown };
    const format = typeof b.format === 'string' ? b.format : declared;
    const data: IMimeBundle =
      b.data === undefined && binding !== undefined && !('data' in binding)
        ? textBundle(`(sent to ${JSON.stringify(binding)})`)
        : typedBundle(b.data, { type, format });
    return { port, type, format, data };
  }
}
