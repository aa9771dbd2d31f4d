import type { IJobEvent } from '@taskcell/core';
import { FINAL_STATES, createJobRecord, foldJobEvent } from '@taskcell/display';
import type { IJobRecord } from '@taskcell/display';
import { Signal } from '@lumino/signaling';
import type { ISignal } from '@lumino/signaling';

// The record and its fold live in @taskcell/display, shared with the kernel's job cards.
export { FINAL_STATES } from '@taskcell/display';
export type { IJobOutput, IJobRecord, ILogLine } from '@taskcell/display';

/**
 * The jobs the Tasks panel shows: events from any number of kernels fold into one record per job;
 * `changed` fires at most once per animation frame with the ids that changed, so 100 events a
 * second cost the view a handful of updates.
 */
export class TasksModel {
  constructor(options: TasksModel.IOptions = {}) {
    this.maxLogLines = options.maxLogLines ?? 200;
    this.maxJobs = options.maxJobs ?? 2000;
    this.schedule = options.schedule ?? Private.nextFrame;
    this.now = options.now ?? Date.now;
  }

  /** Fires once per batch of events with the ids of the jobs that changed. */
  get changed(): ISignal<this, TasksModel.IChange> {
    return this._changed;
  }

  /** The number of jobs known, steps included. */
  get size(): number {
    return this.records.size;
  }

  /** A job's record. */
  get(jobId: string): IJobRecord | undefined {
    return this.records.get(jobId);
  }

  /** The top-level jobs (not steps of a workflow), newest first. */
  topLevel(): IJobRecord[] {
    const out: IJobRecord[] = [];
    for (let i = this.order.length - 1; i >= 0; i--) {
      const r = this.records.get(this.order[i]);
      if (r) out.push(r);
    }
    return out;
  }

  /** A workflow's steps in DAG order (steps not started yet have no record and are left out). */
  steps(record: IJobRecord): IJobRecord[] {
    const names = record.dag?.steps ?? Object.keys(record.stepJobs);
    const out: IJobRecord[] = [];
    for (const n of names) {
      const r = record.stepJobs[n] !== undefined ? this.records.get(record.stepJobs[n]) : undefined;
      if (r) out.push(r);
    }
    return out;
  }

  /** The state of a workflow's step by name: its job's state, or INACTIVE before it has a job. */
  stepState(record: IJobRecord, step: string): string {
    const id = record.stepJobs[step];
    return (id !== undefined && this.records.get(id)?.state) || 'INACTIVE';
  }

  /**
   * Fold one event in. `source` names the notebook whose kernel sent it, `cellId` the cell whose
   * execution started the job.
   */
  apply(event: IJobEvent, source?: string, cellId?: string): void {
    let r = this.records.get(event.jobId);
    if (!r) {
      r = createJobRecord(event.jobId, event.time ?? this.now(), source !== undefined ? { source } : {});
      this.records.set(r.jobId, r);
      if (event.parentId === undefined) {
        this.order.push(r.jobId);
        this.structural = true;
        this.trim();
      }
    }
    if (event.parentId !== undefined && r.parentId === undefined) {
      r.parentId = event.parentId;
      const parent = this.records.get(event.parentId);
      if (parent && event.step !== undefined) parent.stepJobs[event.step] = r.jobId;
      this.mark(event.parentId);
    }
    if (cellId !== undefined) r.cellId = cellId;
    const stateChanged = foldJobEvent(r, event, { maxLogLines: this.maxLogLines, now: this.now() });
    if (stateChanged && r.parentId !== undefined) this.mark(r.parentId);
    if (event.dag) {
      // Steps that reported before the DAG arrived.
      for (const other of this.records.values()) {
        if (other.parentId === r.jobId && other.step !== undefined) r.stepJobs[other.step] = other.jobId;
      }
    }
    this.mark(r.jobId);
  }

  /**
   * The kernel of `source` says these jobs are active now: any other job of that notebook still in
   * a non-final state can no longer finish (the kernel restarted) and is marked lost.
   */
  reconcile(source: string, active: readonly string[]): void {
    const live = new Set(active);
    for (const r of this.records.values()) {
      if (r.source === source && !FINAL_STATES.has(r.state) && !live.has(r.jobId) && !r.lost) {
        r.lost = true;
        this.mark(r.jobId);
      }
    }
  }

  /** Forget finished top-level jobs and their steps. */
  clearFinished(): void {
    const keep: string[] = [];
    for (const id of this.order) {
      const r = this.records.get(id);
      if (r && (FINAL_STATES.has(r.state) || r.lost)) this.remove(r);
      else keep.push(id);
    }
    this.order = keep;
    this.structural = true;
    this.flushSoon();
  }

  /** Deliver pending changes now instead of on the next frame. */
  flush(): void {
    this.pending = false;
    if (!this.structural && this.dirty.size === 0) return;
    const change: TasksModel.IChange = { ids: this.dirty, structural: this.structural };
    this.dirty = new Set();
    this.structural = false;
    this._changed.emit(change);
  }

  /** The jobs as JSON for the state database: the newest `limit` top-level jobs with their steps. */
  toJSON(limit = 500): TasksModel.ISnapshot {
    const ids = this.order.slice(-limit);
    const jobs: IJobRecord[] = [];
    for (const id of ids) {
      const r = this.records.get(id);
      if (!r) continue;
      jobs.push(Private.compact(r));
      for (const s of Object.values(r.stepJobs)) {
        const c = this.records.get(s);
        if (c) jobs.push(Private.compact(c));
      }
    }
    return { version: 1, jobs };
  }

  /** Add the jobs of a snapshot that are not known yet (a restored history never overwrites live data). */
  restore(snapshot: TasksModel.ISnapshot | undefined | null): void {
    if (!snapshot || snapshot.version !== 1 || !Array.isArray(snapshot.jobs)) return;
    const restoredTop: string[] = [];
    for (const r of snapshot.jobs) {
      if (this.records.has(r.jobId)) continue;
      this.records.set(r.jobId, {
        ...r,
        history: [...(r.history ?? [])],
        logs: [...(r.logs ?? [])],
        outputs: [...(r.outputs ?? [])],
        artifacts: [...(r.artifacts ?? [])],
        stepJobs: { ...(r.stepJobs ?? {}) },
      });
      if (r.parentId === undefined) restoredTop.push(r.jobId);
    }
    this.order = [...restoredTop, ...this.order];
    this.trim();
    this.structural = true;
    this.flushSoon();
  }

  private mark(id: string): void {
    this.dirty.add(id);
    this.flushSoon();
  }

  private flushSoon(): void {
    if (this.pending) return;
    this.pending = true;
    this.schedule(() => this.flush());
  }

  private trim(): void {
    while (this.order.length > this.maxJobs) {
      const r = this.records.get(this.order.shift() as string);
      if (r) this.remove(r);
    }
  }

  private remove(r: IJobRecord): void {
    this.records.delete(r.jobId);
    for (const s of Object.values(r.stepJobs)) this.records.delete(s);
  }

  private readonly records = new Map<string, IJobRecord>();
  private order: string[] = [];
  private dirty = new Set<string>();
  private structural = false;
  private pending = false;
  private readonly maxLogLines: number;
  private readonly maxJobs: number;
  private readonly schedule: (callback: () => void) => void;
  private readonly now: () => number;
  private readonly _changed = new Signal<this, TasksModel.IChange>(this);
}

/** The TasksModel's types. */
export namespace TasksModel {
  /** How a model is made. */
  export interface IOptions {
    /** Log lines kept per job (default 200). */
    maxLogLines?: number;
    /** Top-level jobs kept; the oldest go first (default 2000). */
    maxJobs?: number;
    /** Runs the batched change notification; the next animation frame (or 100 ms, if no frame comes first) by default. */
    schedule?: (callback: () => void) => void;
    /** The clock (tests). */
    now?: () => number;
  }

  /** What changed in one batch. */
  export interface IChange {
    /** Jobs whose records changed. */
    ids: ReadonlySet<string>;
    /** True when top-level jobs were added or removed. */
    structural: boolean;
  }

  /** The JSON kept in the state database. */
  export interface ISnapshot {
    version: 1;
    jobs: IJobRecord[];
  }
}

namespace Private {
  /** How long a batch waits for a frame before it is delivered anyway. */
  export const FRAME_FALLBACK_MS = 100;

  /**
   * Run `callback` once, on the next animation frame or after FRAME_FALLBACK_MS, whichever comes
   * first: a page that draws no frames (a busy or headless browser, a tab in the background) still
   * takes its jobs in, instead of holding every batch until the next frame.
   */
  export function nextFrame(callback: () => void): void {
    if (typeof requestAnimationFrame !== 'function') {
      setTimeout(callback, 16);
      return;
    }
    let done = false;
    const once = (): void => {
      if (done) return;
      done = true;
      if (typeof cancelAnimationFrame === 'function') cancelAnimationFrame(frame);
      clearTimeout(timer);
      callback();
    };
    const frame = requestAnimationFrame(once);
    const timer = setTimeout(once, FRAME_FALLBACK_MS);
  }

  /** A record small enough to persist: the last 50 log lines. */
  export function compact(r: IJobRecord): IJobRecord {
    return { ...r, logs: r.logs.slice(-50) };
  }
}
