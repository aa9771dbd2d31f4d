import type { IArtifactRef } from '@taskcell/core';
import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import { JobRow } from './job-row';
import { FINAL_STATES } from './model';
import type { IJobRecord, TasksModel } from './model';

/** The filters the panel offers: every job, the unfinished ones, or one state. */
export const STATE_FILTERS = ['all', 'active', 'QUEUED', 'RUNNING', 'SUCCESS', 'ERROR', 'CANCELED'] as const;

/** One of the panel's filters. */
export type StateFilter = (typeof STATE_FILTERS)[number];

/**
 * The Tasks panel: every job and workflow of a TasksModel, newest first, with a state filter,
 * cancel per job and for all, and a way to clear finished jobs. It gets its behaviour through
 * callbacks (it never reaches into the application) and stops updating while hidden.
 */
export class TasksPanel extends Widget {
  constructor(options: TasksPanel.IOptions) {
    super();
    this.model = options.model;
    this.callbacks = options;
    this.now = options.now ?? Date.now;
    this.addClass('tc-TasksPanel');
    this.id = options.id ?? 'taskcell-tasks';
    this.title.caption = 'Tasks';
    const header = document.createElement('div');
    header.className = 'tc-TasksPanel-header';
    header.innerHTML =
      '<div class="tc-TasksPanel-title">Tasks <span class="tc-TasksPanel-source"></span></div>' +
      '<div class="tc-TasksPanel-toolbar">' +
      '<label>Show <select class="tc-filter jp-mod-styled" aria-label="Filter by state"></select></label>' +
      '<button class="tc-cancel-all jp-mod-styled jp-mod-warn">Cancel all</button>' +
      '<button class="tc-clear jp-mod-styled">Clear finished</button></div>' +
      '<div class="tc-TasksPanel-summary"></div>';
    this.filterEl = header.querySelector('.tc-filter') as HTMLSelectElement;
    for (const f of STATE_FILTERS) {
      const o = document.createElement('option');
      o.value = f;
      o.textContent = f === 'all' ? 'All' : f === 'active' ? 'Active' : f;
      this.filterEl.appendChild(o);
    }
    this.filterEl.addEventListener('change', () => this.setFilter(this.filterEl.value as StateFilter));
    (header.querySelector('.tc-cancel-all') as HTMLElement).addEventListener('click', () => options.onCancelAll());
    (header.querySelector('.tc-clear') as HTMLElement).addEventListener('click', () => this.model.clearFinished());
    this.sourceEl = header.querySelector('.tc-TasksPanel-source') as HTMLElement;
    this.summaryEl = header.querySelector('.tc-TasksPanel-summary') as HTMLElement;
    this.listEl = document.createElement('div');
    this.listEl.className = 'tc-TasksPanel-list';
    this.emptyEl = document.createElement('p');
    this.emptyEl.className = 'tc-empty';
    this.emptyEl.textContent = 'No jobs yet. Run a task in a notebook on the taskcell kernel.';
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

  /** Show only jobs that match `filter`. */
  setFilter(filter: StateFilter): void {
    this._filter = filter;
    this.filterEl.value = filter;
    for (const row of this.rows.values()) this.applyFilter(row);
    this.updateSummary();
  }

  /** Say which notebook's kernel the panel follows (empty: none). */
  setSource(label: string): void {
    this.sourceEl.textContent = label ? `· ${label}` : '';
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
    if (full || change.structural) {
      const top = this.model.topLevel();
      const keep = new Set(top.map((r) => r.jobId));
      for (const [id, row] of this.rows) {
        if (!keep.has(id)) {
          row.node.remove();
          this.rows.delete(id);
          this.activeIds.delete(id);
          this.hiddenIds.delete(id);
        }
      }
      let cursor = this.listEl.firstChild;
      for (const r of top) {
        let row = this.rows.get(r.jobId);
        if (!row) {
          row = this.makeRow(r);
          this.rows.set(r.jobId, row);
        } else if (full) row.update();
        if (cursor !== row.node) this.listEl.insertBefore(row.node, cursor);
        else cursor = cursor.nextSibling;
        this.applyFilter(row);
      }
    }
    if (change) {
      for (const id of change.ids) {
        const r = this.model.get(id);
        if (!r) continue;
        if (r.parentId === undefined) {
          const row = this.rows.get(id);
          if (row) {
            row.update();
            this.applyFilter(row);
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
      onOpenArtifact: (a, r) => this.callbacks.onOpenArtifact(a, r),
      now: this.now,
    });
  }

  /** Show or hide a row by the filter, and keep the counts of active and hidden rows. */
  private applyFilter(row: JobRow): void {
    const r = this.model.get(row.jobId);
    const hidden = !r || !TasksPanel.matches(r, this._filter);
    if (hidden) this.hiddenIds.add(row.jobId);
    else this.hiddenIds.delete(row.jobId);
    if (r && !FINAL_STATES.has(r.state) && !r.lost) this.activeIds.add(row.jobId);
    else this.activeIds.delete(row.jobId);
    if (row.node.hidden !== hidden) row.node.hidden = hidden;
  }

  private updateSummary(): void {
    const total = this.rows.size;
    const active = this.activeIds.size;
    const shown = total - this.hiddenIds.size;
    this.emptyEl.hidden = total > 0;
    const text = total ? `${total} job${total === 1 ? '' : 's'}, ${active} active${shown !== total ? `, ${shown} shown` : ''}` : '';
    if (this.summaryEl.textContent !== text) this.summaryEl.textContent = text;
  }

  private startTicking(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      for (const row of this.rows.values()) {
        const r = this.model.get(row.jobId);
        if (r && !FINAL_STATES.has(r.state) && !row.node.hidden) row.tick();
      }
    }, 1000);
  }

  private stopTicking(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private readonly callbacks: TasksPanel.IOptions;
  private readonly now: () => number;
  private readonly rows = new Map<string, JobRow>();
  private readonly activeIds = new Set<string>();
  private readonly hiddenIds = new Set<string>();
  private readonly listEl: HTMLElement;
  private readonly emptyEl: HTMLElement;
  private readonly filterEl: HTMLSelectElement;
  private readonly sourceEl: HTMLElement;
  private readonly summaryEl: HTMLElement;
  private _filter: StateFilter = 'all';
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

  /** True when `record` passes `filter`. */
  export function matches(record: IJobRecord, filter: StateFilter): boolean {
    if (filter === 'all') return true;
    if (filter === 'active') return !FINAL_STATES.has(record.state) && !record.lost;
    if (filter === 'RUNNING')
      return !FINAL_STATES.has(record.state) && record.state !== 'QUEUED' && record.state !== 'INACTIVE' && !record.lost;
    return record.state === filter;
  }
}
