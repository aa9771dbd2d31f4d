import type { IArtifactRef } from '@taskcell/core';
import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import { JobRow } from './job-row';
import { FINAL_STATES } from './model';
import type { IJobRecord, TasksModel } from './model';

/** The class names of the Tasks panel (the stylesheet uses the same; rows: `ROW_CLASS`). */
export const PANEL_CLASS = {
  panel: 'tc-Panel',
  header: 'tc-Panel-header',
  title: 'tc-Panel-title',
  source: 'tc-Panel-source',
  toolbar: 'tc-Panel-toolbar',
  scope: 'tc-Panel-scope',
  filter: 'tc-Panel-filter',
  cancelAll: 'tc-Panel-cancelAll',
  clear: 'tc-Panel-clear',
  newForm: 'tc-Panel-newForm',
  summary: 'tc-Panel-summary',
  count: 'tc-Panel-count',
  rate: 'tc-Panel-rate',
  list: 'tc-Panel-list',
  empty: 'tc-Panel-empty',
} as const;

/** The filters the panel offers: every job, the unfinished ones, or one state. */
export const STATE_FILTERS = ['all', 'active', 'QUEUED', 'RUNNING', 'SUCCESS', 'ERROR', 'CANCELED'] as const;

/** One of the panel's filters. */
export type StateFilter = (typeof STATE_FILTERS)[number];

/** Whose jobs the panel lists: the current notebook's, or every notebook's. */
export type NotebookScope = 'notebook' | 'all';

/** What the summary strip counts. */
export type SummaryKind = 'queued' | 'running' | 'done' | 'failed' | 'canceled';

/**
 * The Tasks panel: every job and workflow of a TasksModel, newest first, with a "this notebook /
 * all" scope and a state filter, a summary strip (queued, running, done and failed jobs, and jobs
 * finished per second), cancel per job and for all, and a way to clear finished jobs. It gets its
 * behaviour through callbacks (it never reaches into the application) and stops updating while
 * hidden.
 */
export class TasksPanel extends Widget {
  constructor(options: TasksPanel.IOptions) {
    super();
    const C = PANEL_CLASS;
    this.model = options.model;
    this.callbacks = options;
    this.now = options.now ?? Date.now;
    this.addClass(C.panel);
    this.id = options.id ?? 'taskcell-tasks';
    this.title.caption = 'Tasks';
    const header = document.createElement('div');
    header.className = C.header;
    header.innerHTML =
      `<div class="${C.title}">Tasks <span class="${C.source}"></span></div>` +
      `<div class="${C.toolbar}">` +
      `<select class="${C.scope} jp-mod-styled" aria-label="Whose jobs to show">` +
      '<option value="notebook">This notebook</option><option value="all">All notebooks</option></select>' +
      `<select class="${C.filter} jp-mod-styled" aria-label="Filter by state"></select>` +
      `<button class="${C.cancelAll} jp-mod-styled jp-mod-warn">Cancel all</button>` +
      `<button class="${C.clear} jp-mod-styled">Clear finished</button>` +
      (options.onNewForm
        ? `<button class="${C.newForm} jp-mod-styled" title="Show the form of one of this notebook's tasks">New form…</button>`
        : '') +
      '</div>' +
      `<div class="${C.summary}" role="status" aria-label="Job counts"></div>`;
    const q = <T extends Element>(cls: string): T => header.getElementsByClassName(cls)[0] as T;
    this.scopeEl = q(C.scope);
    this.filterEl = q(C.filter);
    for (const f of STATE_FILTERS) {
      const o = document.createElement('option');
      o.value = f;
      o.textContent = f === 'all' ? 'Any state' : f === 'active' ? 'Active' : f;
      this.filterEl.appendChild(o);
    }
    this.scopeEl.value = this._scope;
    this.scopeEl.addEventListener('change', () => this.setScope(this.scopeEl.value as NotebookScope));
    this.filterEl.addEventListener('change', () => this.setFilter(this.filterEl.value as StateFilter));
    q<HTMLElement>(C.cancelAll).addEventListener('click', () => options.onCancelAll());
    q<HTMLElement>(C.clear).addEventListener('click', () => this.model.clearFinished());
    if (options.onNewForm) q<HTMLElement>(C.newForm).addEventListener('click', () => options.onNewForm?.());
    this.sourceEl = q(C.source);
    this.summaryEl = q(C.summary);
    this.countEls = {} as Record<SummaryKind, HTMLElement>;
    for (const kind of TasksPanel.SUMMARY_KINDS) {
      const span = this.summaryEl.appendChild(document.createElement('span'));
      span.className = C.count;
      span.dataset.kind = kind;
      this.countEls[kind] = span;
    }
    this.rateEl = this.summaryEl.appendChild(document.createElement('span'));
    this.rateEl.className = C.rate;
    this.listEl = document.createElement('div');
    this.listEl.className = C.list;
    this.emptyEl = document.createElement('p');
    this.emptyEl.className = C.empty;
    this.node.append(header, this.emptyEl, this.listEl);
    this.model.changed.connect(this.onModelChanged, this);
    this.refresh();
  }

  /** The model the panel shows. */
  readonly model: TasksModel;

  /** The state filter in use. */
  get filter(): StateFilter {
    return this._filter;
  }

  /** Whose jobs are listed. */
  get scope(): NotebookScope {
    return this._scope;
  }

  /** Show only jobs that match `filter`. */
  setFilter(filter: StateFilter): void {
    this._filter = filter;
    this.filterEl.value = filter;
    this.refilter();
  }

  /** List the current notebook's jobs, or every notebook's. */
  setScope(scope: NotebookScope): void {
    this._scope = scope;
    this.scopeEl.value = scope;
    this.refilter();
  }

  /** The notebook the user works in (its path), or null when none is open. */
  setNotebook(path: string | null): void {
    this.notebook = path;
    this.sourceEl.textContent = path ? `· ${path.split('/').pop()}` : '';
    this.sourceEl.title = path ?? '';
    this.refilter();
  }

  /** The row of a top-level job. */
  row(jobId: string): JobRow | undefined {
    return this.rows.get(jobId);
  }

  /** How long model updates took to reach the page: count, mean and worst, in milliseconds. */
  get updateStats(): TasksPanel.IUpdateStats {
    const { count, total, max } = this.stats;
    return { count, total, mean: count ? total / count : 0, max };
  }

  /** The summary strip's figures: jobs in scope by kind, and jobs finished per second lately. */
  get summary(): TasksPanel.ISummary {
    return { ...this.counts, perSecond: this.rate() };
  }

  /** Rebuild every row from the model. */
  refresh(): void {
    this.sync(undefined);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.stopTicking();
    this.model.changed.disconnect(this.onModelChanged, this);
    super.dispose();
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (this.stale) this.refresh();
    this.startTicking();
  }

  protected override onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.stopTicking();
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) this.startTicking();
  }

  protected override onBeforeDetach(msg: Message): void {
    this.stopTicking();
    super.onBeforeDetach(msg);
  }

  private onModelChanged(_: TasksModel, change: TasksModel.IChange): void {
    if (!this.isVisible) {
      this.stale = true;
      return;
    }
    this.sync(change);
  }

  private sync(change: TasksModel.IChange | undefined): void {
    const t0 = performance.now();
    const full = change === undefined;
    // Rows made in this pass are up to date already.
    const made = new Set<string>();
    if (full || change.structural) {
      const top = this.model.topLevel();
      const keep = new Set<string>();
      for (const r of top) keep.add(r.jobId);
      for (const [id, row] of this.rows) {
        if (!keep.has(id)) {
          row.node.remove();
          this.rows.delete(id);
          this.forget(id);
        }
      }
      // New rows are built off the page and go in with one insertion per run of new rows, so a
      // batch of a thousand new jobs costs one layout, not one per row.
      let cursor = this.listEl.firstChild;
      let fresh: DocumentFragment | undefined;
      for (const r of top) {
        let row = this.rows.get(r.jobId);
        if (!row) {
          row = this.makeRow(r);
          this.rows.set(r.jobId, row);
          made.add(r.jobId);
          (fresh ??= document.createDocumentFragment()).appendChild(row.node);
        } else {
          if (full) row.update();
          if (fresh) {
            this.listEl.insertBefore(fresh, cursor);
            fresh = undefined;
          }
          if (cursor !== row.node) this.listEl.insertBefore(row.node, cursor);
          else cursor = cursor.nextSibling;
        }
        this.classify(row, r);
      }
      if (fresh) this.listEl.insertBefore(fresh, cursor);
    }
    if (change) {
      for (const id of change.ids) {
        const r = this.model.get(id);
        if (!r) continue;
        if (r.parentId === undefined) {
          const row = this.rows.get(id);
          if (row) {
            if (!made.has(id)) {
              row.update();
              this.classify(row, r);
            }
          }
        } else {
          this.rows.get(r.parentId)?.stepRow(id)?.update();
        }
      }
    }
    this.stale = false;
    this.updateSummary();
    const dt = performance.now() - t0;
    if (!full) {
      this.stats.count++;
      this.stats.total += dt;
      this.stats.max = Math.max(this.stats.max, dt);
      this.node.dataset.updates = String(this.stats.count);
      this.node.dataset.updateTotalMs = this.stats.total.toFixed(3);
      this.node.dataset.updateMeanMs = (this.stats.total / this.stats.count).toFixed(3);
      this.node.dataset.updateMaxMs = this.stats.max.toFixed(3);
    }
  }

  private makeRow(record: IJobRecord): JobRow {
    return new JobRow({
      record,
      model: this.model,
      onCancel: (r) => this.callbacks.onCancel(r),
      onInterrupt: this.callbacks.onInterrupt && ((r) => this.callbacks.onInterrupt?.(r)),
      onJumpToCell: this.callbacks.onJumpToCell && ((r) => this.callbacks.onJumpToCell?.(r)),
      onForm: this.callbacks.onForm && ((r) => this.callbacks.onForm?.(r)),
      onOpenArtifact: (a, r) => this.callbacks.onOpenArtifact(a, r),
      now: this.now,
    });
  }

  /** Show or hide every row by the scope and the filter. */
  private refilter(): void {
    for (const row of this.rows.values()) {
      const r = this.model.get(row.jobId);
      if (r) this.classify(row, r);
    }
    this.updateSummary();
  }

  /** Show or hide a row by the scope and the filter, and keep the summary's counts. */
  private classify(row: JobRow, r: IJobRecord): void {
    const inScope = this._scope === 'all' || this.notebook === null || r.source === this.notebook;
    const kind = inScope ? TasksPanel.summaryKind(r) : undefined;
    const was = this.kinds.get(r.jobId);
    if (was !== kind) {
      if (was) this.counts[was]--;
      if (kind) {
        this.counts[kind]++;
        this.kinds.set(r.jobId, kind);
      } else this.kinds.delete(r.jobId);
      // A job that ends while the panel watches counts towards the rate.
      if (kind !== undefined && TasksPanel.FINISHED.has(kind) && (was === 'queued' || was === 'running')) this.finished.push(r.updated);
    }
    const hidden = !inScope || !TasksPanel.matches(r, this._filter);
    if (hidden) this.hiddenIds.add(r.jobId);
    else this.hiddenIds.delete(r.jobId);
    if (row.node.hidden !== hidden) row.node.hidden = hidden;
  }

  private forget(id: string): void {
    const kind = this.kinds.get(id);
    if (kind) this.counts[kind]--;
    this.kinds.delete(id);
    this.hiddenIds.delete(id);
  }

  /** Jobs finished per second over the last few seconds. */
  private rate(): number {
    const since = this.now() - TasksPanel.RATE_WINDOW_MS;
    let drop = 0;
    while (drop < this.finished.length && this.finished[drop] < since) drop++;
    if (drop) this.finished.splice(0, drop);
    return this.finished.length / (TasksPanel.RATE_WINDOW_MS / 1000);
  }

  private updateSummary(): void {
    const total = this.rows.size;
    const shown = total - this.hiddenIds.size;
    this.emptyEl.hidden = shown > 0;
    const empty = total === 0 ? 'No jobs yet. Run a task in a notebook on the taskcell kernel.' : 'No jobs match the filter.';
    if (this.emptyEl.textContent !== empty) this.emptyEl.textContent = empty;
    this.summaryEl.hidden = total === 0;
    for (const kind of TasksPanel.SUMMARY_KINDS) {
      const text = `${this.counts[kind]} ${kind}`;
      if (this.countEls[kind].textContent !== text) this.countEls[kind].textContent = text;
    }
    const rate = `${this.rate().toFixed(1)} jobs/s`;
    if (this.rateEl.textContent !== rate) this.rateEl.textContent = rate;
  }

  private startTicking(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      for (const row of this.rows.values()) {
        const kind = this.kinds.get(row.jobId);
        if ((kind === 'running' || kind === 'queued') && !row.node.hidden) row.tick();
      }
      this.updateSummary();
    }, 1000);
  }

  private stopTicking(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private readonly callbacks: TasksPanel.IOptions;
  private readonly now: () => number;
  private readonly rows = new Map<string, JobRow>();
  private readonly kinds = new Map<string, SummaryKind>();
  private readonly counts: Record<SummaryKind, number> = { queued: 0, running: 0, done: 0, failed: 0, canceled: 0 };
  /** When jobs ended, oldest first, for the rate. */
  private readonly finished: number[] = [];
  private readonly hiddenIds = new Set<string>();
  private readonly listEl: HTMLElement;
  private readonly emptyEl: HTMLElement;
  private readonly scopeEl: HTMLSelectElement;
  private readonly filterEl: HTMLSelectElement;
  private readonly sourceEl: HTMLElement;
  private readonly summaryEl: HTMLElement;
  private readonly countEls: Record<SummaryKind, HTMLElement>;
  private readonly rateEl: HTMLElement;
  private notebook: string | null = null;
  private _filter: StateFilter = 'all';
  private _scope: NotebookScope = 'notebook';
  private stale = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly stats = { count: 0, total: 0, max: 0 };
}

/** The TasksPanel's options and helpers. */
export namespace TasksPanel {
  /** How a panel is made: its model and what its buttons do. */
  export interface IOptions {
    model: TasksModel;
    /** Cancel one job or workflow. */
    onCancel: (record: IJobRecord) => void;
    /** Cancel every job of the followed kernel. */
    onCancelAll: () => void;
    /** Interrupt the kernel that runs a job whose task ignores its cancel. */
    onInterrupt?: (record: IJobRecord) => void;
    /** Show the notebook cell that started a top-level job. */
    onJumpToCell?: (record: IJobRecord) => void;
    /** Insert a form of a top-level job's task below the cell that started it. */
    onForm?: (record: IJobRecord) => void;
    /** Show the form of one of the current notebook's tasks (the header's "New form…"). */
    onNewForm?: () => void;
    /** Open an artifact in a viewer. */
    onOpenArtifact: (artifact: IArtifactRef, record: IJobRecord) => void;
    id?: string;
    /** The clock (tests). */
    now?: () => number;
  }

  /** Timing of the panel's updates. */
  export interface IUpdateStats {
    count: number;
    /** Milliseconds spent in all updates. */
    total: number;
    mean: number;
    max: number;
  }

  /** The summary strip's figures. */
  export interface ISummary extends Record<SummaryKind, number> {
    /** Jobs that ended per second over the last `RATE_WINDOW_MS`. */
    perSecond: number;
  }

  /** The kinds the summary strip counts, in its order. */
  export const SUMMARY_KINDS: readonly SummaryKind[] = ['queued', 'running', 'done', 'failed', 'canceled'];

  /** The kinds of an ended job. */
  export const FINISHED: ReadonlySet<SummaryKind> = new Set(['done', 'failed', 'canceled']);

  /** How far back the jobs-per-second rate looks. */
  export const RATE_WINDOW_MS = 5000;

  /** The summary kind of a job: SUCCESS is done, ERROR failed, CANCELED or lost canceled. */
  export function summaryKind(r: IJobRecord): SummaryKind {
    if (r.state === 'SUCCESS') return 'done';
    if (r.state === 'ERROR') return 'failed';
    if (r.state === 'CANCELED' || r.lost) return 'canceled';
    return r.state === 'QUEUED' || r.state === 'INACTIVE' ? 'queued' : 'running';
  }

  /** True when `record` passes `filter`. */
  export function matches(record: IJobRecord, filter: StateFilter): boolean {
    if (filter === 'all') return true;
    if (filter === 'active') return !FINAL_STATES.has(record.state) && !record.lost;
    if (filter === 'RUNNING')
      return !FINAL_STATES.has(record.state) && record.state !== 'QUEUED' && record.state !== 'INACTIVE' && !record.lost;
    return record.state === filter;
  }
}
