import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { assertTransition, isFinal } from './states';
import type { JobState } from './states';
import { JOB_EVENT_VERSION, globalEvents } from './events';
import type { IArtifactRef, IJobEvent, IJobPlace, IProgress, JobEventListener } from './events';
import type { ISerializedError } from './errors';

/** What a task body gets besides its inputs. */
export interface ITaskContext {
  /** This job's id. */
  readonly jobId: string;
  /** Aborted when the job is cancelled or times out; long work should check it or pass it on. */
  readonly signal: AbortSignal;
  /** A directory of this job's own, created on first use and removed after the job. */
  readonly tempdir: string;
  /** Report progress (Girder Worker's `updateProgress`). */
  progress(current: number, total: number, message?: string): void;
  /** Write a log line to the job's log. */
  log(...args: unknown[]): void;
  /** Keep a file or directory as an artifact of this job. */
  artifact(path: string, name?: string): void;
}

/** How a job is created. */
export interface IJobOptions {
  task?: string;
  parentId?: string;
  step?: string;
  jobId?: string;
  place?: IJobPlace;
  onEvent?: JobEventListener;
  /** Where temp directories are made; the OS temp dir by default. */
  tempRoot?: string;
}

/**
 * One run of one task: its state, which only moves along the transition table, and the events it
 * emits. Events are built only when someone listens, so an unobserved job costs almost nothing.
 */
export class Job implements ITaskContext {
  readonly jobId: string;
  readonly started = Date.now();
  readonly artifacts: IArtifactRef[] = [];
  readonly logs: string[] = [];
  lastProgress: IProgress | undefined;
  /** Workflows: the outputs of every finished step, by step name. */
  steps: Record<string, Record<string, unknown>> | undefined;
  private _state: JobState = 'INACTIVE';
  private _tempdir: string | undefined;
  private readonly opts: IJobOptions;
  private controller: AbortController | undefined;
  private _aborted = false;
  private _reason: unknown;
  private children: Set<{ abort(reason: unknown): void }> | undefined;
  private abortHook: ((reason: unknown) => void) | undefined;
  private _ended = false;
  private cancelIgnored = false;

  constructor(opts: IJobOptions) {
    this.opts = opts;
    this.jobId = opts.jobId ?? randomUUID();
  }

  /**
   * Aborted when the job is cancelled or times out. Made on first use: an AbortSignal costs more
   * than a trivial task, and most tasks never look at it.
   */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this._aborted) this.controller.abort(this._reason);
    }
    return this.controller.signal;
  }

  /** True once the job was cancelled or timed out. */
  get aborted(): boolean {
    return this._aborted;
  }

  /** Why the job was aborted. */
  get abortReason(): unknown {
    return this._reason;
  }

  /** Abort this job and every child job (workflow steps) still running. */
  abort(reason: unknown): void {
    if (this._aborted) return;
    this._aborted = true;
    this._reason = reason;
    this.controller?.abort(reason);
    this.abortHook?.(reason);
    if (this.children) for (const c of this.children) c.abort(reason);
  }

  /** Called once when the job is aborted (the runner uses it to settle the job at once). */
  onAbort(hook: (reason: unknown) => void): void {
    this.abortHook = hook;
  }

  /** Register a child (a step's job, or the controller of a step running in a pool), aborted with this job; returns a function that unregisters it. */
  adopt(child: { abort(reason: unknown): void }): () => void {
    if (this._aborted) child.abort(this._reason);
    (this.children ??= new Set()).add(child);
    return () => this.children!.delete(child);
  }

  /**
   * Start another attempt of a failed job: back to QUEUED, with a fresh signal (the abort that
   * ended the last attempt, a timeout, is forgotten).
   */
  requeue(): void {
    this.to('QUEUED');
    this._aborted = false;
    this._reason = undefined;
    this.controller = undefined;
  }

  /** Tell listeners which attempt starts (a job with a retry policy). */
  attemptEvent(attempt: NonNullable<IJobEvent['attempt']>): void {
    this.report('attempt', { attempt });
  }

  /** The current state. */
  get state(): JobState {
    return this._state;
  }

  /** True when anyone will receive this job's events. */
  get observed(): boolean {
    return this.opts.onEvent !== undefined || globalEvents.hasListeners;
  }

  /** Move to another state, as the transition table allows. */
  to(state: JobState, extra?: { error?: ISerializedError }): void {
    assertTransition(this._state, state, this.jobId);
    this._state = state;
    if (isFinal(state)) this._ended = true;
    if (!this.observed) return;
    const ev = this.event('state');
    ev.state = state;
    if (isFinal(state)) ev.elapsed = Date.now() - this.started;
    if (extra?.error) ev.error = extra.error;
    if (state === 'RUNNING' || state === 'QUEUED') ev.place = this.opts.place ?? { kind: 'in-process' };
    this.emit(ev);
  }

  /** True once the job reached its final state; its progress, logs, outputs and artifacts are then dropped. */
  get ended(): boolean {
    return this._ended;
  }

  /**
   * Tell listeners, once, that the job's body still runs after its final state (a cancelled task
   * that ignores its signal): the one event a job sends after it ended.
   */
  reportCancelIgnored(notice: string): void {
    if (this.cancelIgnored) return;
    this.cancelIgnored = true;
    if (this.observed) this.emit(Object.assign(this.event('cancel-ignored'), { notice }));
  }

  get tempdir(): string {
    if (this._tempdir === undefined) {
      this._tempdir = mkdtempSync(join(this.opts.tempRoot ?? tmpdir(), 'taskcell-'));
    }
    return this._tempdir;
  }

  /** True when a temp directory was made. */
  get hasTempdir(): boolean {
    return this._tempdir !== undefined;
  }

  progress(current: number, total: number, message?: string): void {
    if (this._ended) return;
    this.lastProgress = message === undefined ? { current, total } : { current, total, message };
    if (!this.observed) return;
    const ev = this.event('progress');
    ev.progress = this.lastProgress;
    this.emit(ev);
  }

  log(...args: unknown[]): void {
    this.writeLog('log', args.map((a) => (typeof a === 'string' ? a : Private.inspect(a))).join(' '));
  }

  /** Record a line of output on a stream. */
  writeLog(stream: 'stdout' | 'stderr' | 'log', text: string): void {
    if (this._ended) return;
    for (const line of text.split(/\r?\n/)) {
      if (line === '' && text.endsWith('\n')) continue;
      if (this.logs.length < Private.MAX_LOG_LINES) this.logs.push(line);
      if (this.observed) {
        const ev = this.event('log');
        ev.log = { stream, line };
        this.emit(ev);
      }
    }
  }

  artifact(path: string, name?: string): void {
    if (this._ended) return;
    const ref: IArtifactRef = { name: name ?? path.split(/[\\/]/).pop() ?? path, path };
    this.artifacts.push(ref);
    this.report('artifact', { artifact: ref });
  }

  /** Tell listeners the shape of a workflow, so they can draw its DAG. */
  announceDag(dag: NonNullable<IJobEvent['dag']>): void {
    this.report('state', { dag });
  }

  /** Tell listeners about the result cache. */
  cacheEvent(cache: NonNullable<IJobEvent['cache']>): void {
    this.report('cache', { cache });
  }

  /** Tell listeners an output is ready. */
  outputEvent(output: NonNullable<IJobEvent['output']>): void {
    this.report('output', { output });
  }

  /** Emit an event of this kind with these fields, if anyone listens. */
  private report(kind: IJobEvent['kind'], fields: Partial<IJobEvent>): void {
    if (this._ended || !this.observed) return;
    this.emit(Object.assign(this.event(kind), fields));
  }

  /**
   * Remove the temp directory, if one was made. Never throws: a directory this process may not
   * empty (files a container wrote as another user) is left, and the job's log says so.
   */
  cleanup(): void {
    const dir = this._tempdir;
    if (dir === undefined) return;
    this._tempdir = undefined;
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      this.writeLog('stderr', `taskcell: could not remove the job's temp directory ${dir}: ${(err as Error).message}\n`);
    }
  }

  private event(kind: IJobEvent['kind']): IJobEvent {
    const ev: IJobEvent = { v: JOB_EVENT_VERSION, kind, jobId: this.jobId, time: Date.now(), state: this._state };
    if (this.opts.parentId !== undefined) ev.parentId = this.opts.parentId;
    if (this.opts.step !== undefined) ev.step = this.opts.step;
    if (this.opts.task !== undefined) ev.task = this.opts.task;
    return ev;
  }

  private emit(ev: IJobEvent): void {
    if (this.opts.onEvent) {
      try {
        this.opts.onEvent(ev);
      } catch (err) {
        process.emitWarning(`taskcell: an onEvent listener threw: ${String(err)}`);
      }
    }
    if (globalEvents.hasListeners) globalEvents.emit(ev);
  }
}

namespace Private {
  export const MAX_LOG_LINES = 10_000;

  export function inspect(v: unknown): string {
    try {
      return JSON.stringify(v) ?? String(v);
    } catch {
      return String(v);
    }
  }
}
