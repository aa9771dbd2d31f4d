import type { IArtifactRef } from '@taskcell/core';
import { formatElapsed as sharedFormatElapsed, formatProgress, progressPercent } from '@taskcell/display';
import { DagView } from './dag-view';
import { FINAL_STATES } from './model';
import type { IJobRecord, TasksModel } from './model';

/**
 * One job in the Tasks panel: a summary line (state, name, where it runs, elapsed time, cancel), a
 * progress bar with the last message, and, when expanded, a workflow's DAG and steps or a job's log
 * tail, outputs and artifacts. Plain DOM, updated in place.
 */
export class JobRow {
  /** The row's element. */
  readonly node: HTMLElement;

  constructor(options: JobRow.IOptions) {
    this.jobId = options.record.jobId;
    this.options = options;
    const n = document.createElement('div');
    n.className = 'tc-job-row';
    n.dataset.jobId = this.jobId;
    n.innerHTML =
      '<div class="tc-job-summary" role="button" tabindex="0">' +
      '<span class="tc-caret"></span><span class="tc-state"></span><span class="tc-job-name"></span>' +
      '<span class="tc-job-place"></span><span class="tc-job-elapsed"></span>' +
      '<button class="tc-cancel jp-mod-styled" title="Cancel">Cancel</button></div>' +
      '<div class="tc-progress"><div class="tc-progress-track"><div class="tc-progress-bar"></div></div>' +
      '<span class="tc-progress-text"></span></div>' +
      // The kernel's notice that the task ignores its cancel, with the Interrupt it calls for, under the summary so a narrow panel shows both.
      '<div class="tc-job-notice" role="status" hidden><span class="tc-job-notice-text"></span>' +
      '<button class="tc-interrupt jp-mod-styled" title="Interrupt the kernel" hidden>Interrupt</button></div>';
    this.node = n;
    this.summary = n.firstChild as HTMLElement;
    const q = <T extends Element>(sel: string): T => n.querySelector(sel) as T;
    this.stateEl = q('.tc-state');
    this.nameEl = q('.tc-job-name');
    this.placeEl = q('.tc-job-place');
    this.elapsedEl = q('.tc-job-elapsed');
    this.cancelEl = q('.tc-cancel');
    this.interruptEl = q('.tc-interrupt');
    this.noticeEl = q('.tc-job-notice');
    this.noticeTextEl = q('.tc-job-notice-text');
    this.progressEl = q('.tc-progress');
    this.barEl = q('.tc-progress-bar');
    this.progressTextEl = q('.tc-progress-text');
    this.summary.addEventListener('click', (e) => {
      if (e.target === this.cancelEl || e.target === this.interruptEl) return;
      this.setExpanded(!this.expanded);
    });
    this.summary.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.setExpanded(!this.expanded);
      }
    });
    this.cancelEl.addEventListener('click', (e) => {
      e.stopPropagation();
      const r = this.options.model.get(this.jobId);
      if (r) this.options.onCancel(r);
    });
    this.interruptEl.addEventListener('click', (e) => {
      e.stopPropagation();
      const r = this.options.model.get(this.jobId);
      if (r) this.options.onInterrupt?.(r);
    });
    this.update();
  }

  /** The job this row shows. */
  readonly jobId: string;

  /** Whether the details are shown. */
  get expanded(): boolean {
    return this._expanded;
  }

  /** Show or hide the details. */
  setExpanded(expanded: boolean): void {
    if (expanded === this._expanded) return;
    this._expanded = expanded;
    this.node.classList.toggle('tc-mod-expanded', expanded);
    if (expanded) this.update();
    else {
      this.details?.remove();
      this.details = undefined;
      this.dag = undefined;
      this.stepRows.clear();
    }
  }

  /** The row of one of this workflow's steps, when expanded. */
  stepRow(jobId: string): JobRow | undefined {
    return this.stepRows.get(jobId);
  }

  /** Bring the row up to date with its record. */
  update(): void {
    const r = this.options.model.get(this.jobId);
    if (!r) return;
    const state = r.lost ? 'LOST' : r.state;
    if (this.node.dataset.state !== state) {
      this.node.dataset.state = state;
      this.stateEl.textContent = state;
      this.stateEl.className = `tc-state tc-state-${state.toLowerCase()}`;
    }
    const name = r.step ?? r.task ?? r.jobId;
    const title = r.step !== undefined && r.task !== undefined && r.task !== r.step ? `${r.step} (${r.task})` : name;
    if (this.nameEl.textContent !== title) {
      this.nameEl.textContent = title;
      this.nameEl.title = `${r.jobId}${r.source ? ` in ${r.source}` : ''}`;
    }
    const place = r.place ? `${r.place.kind}${r.place.name ? ` ${r.place.name}` : ''}` : '';
    if (this.placeEl.textContent !== place) this.placeEl.textContent = place;
    this.cancelEl.hidden = FINAL_STATES.has(r.state) || r.state === 'CANCELING' || !!r.lost;
    // A task that ignores its cancel still runs in the kernel: only an interrupt (or a restart) helps.
    const stray = r.cancelIgnored !== undefined && !r.lost;
    this.interruptEl.hidden = !stray || !this.options.onInterrupt;
    this.noticeEl.hidden = !stray;
    if (stray && this.noticeTextEl.textContent !== r.cancelIgnored) this.noticeTextEl.textContent = r.cancelIgnored ?? '';
    this.tick();
    const p = r.progress;
    const final = FINAL_STATES.has(r.state);
    const pct = progressPercent(p);
    if (p && pct !== undefined) {
      this.barEl.style.width = `${pct}%`;
      this.progressEl.dataset.value = String(Math.round(pct));
      this.progressEl.classList.remove('tc-mod-indeterminate');
      this.progressTextEl.textContent = formatProgress(p);
    } else {
      this.barEl.style.width = final && r.state === 'SUCCESS' ? '100%' : '0%';
      this.progressEl.classList.toggle('tc-mod-indeterminate', !final && r.state !== 'INACTIVE' && r.state !== 'QUEUED' && !r.lost);
      this.progressTextEl.textContent = p?.message ?? '';
    }
    if (this._expanded) this.renderDetails(r);
  }

  /** Refresh the elapsed time (running jobs tick once a second). */
  tick(): void {
    const r = this.options.model.get(this.jobId);
    if (!r) return;
    const ms = r.elapsed ?? (FINAL_STATES.has(r.state) || r.lost ? r.updated - r.started : this.options.now() - r.started);
    const text = JobRow.formatElapsed(ms);
    if (this.elapsedEl.textContent !== text) this.elapsedEl.textContent = text;
  }

  private renderDetails(r: IJobRecord): void {
    if (!this.details) {
      this.details = document.createElement('div');
      this.details.className = 'tc-job-details';
      this.node.appendChild(this.details);
    }
    const d = this.details;
    if (r.dag) {
      if (!this.dag) {
        d.textContent = '';
        this.dag = new DagView(r.dag);
        const wrap = document.createElement('div');
        wrap.className = 'tc-dag-wrap';
        wrap.appendChild(this.dag.node);
        this.stepsEl = document.createElement('div');
        this.stepsEl.className = 'tc-steps';
        d.append(wrap, this.stepsEl);
      }
      this.dag.update((s) => this.options.model.stepState(r, s));
      for (const step of this.options.model.steps(r)) {
        let row = this.stepRows.get(step.jobId);
        if (!row) {
          row = new JobRow({ ...this.options, record: step });
          this.stepRows.set(step.jobId, row);
          this.stepsEl?.appendChild(row.node);
        } else row.update();
      }
      this.renderJobParts(r, this.partsEl ?? (this.partsEl = d.appendChild(document.createElement('div'))));
      return;
    }
    this.renderJobParts(r, d);
  }

  private renderJobParts(r: IJobRecord, el: HTMLElement): void {
    el.textContent = '';
    if (r.history.length) {
      const ol = el.appendChild(document.createElement('ol'));
      ol.className = 'tc-history';
      ol.setAttribute('aria-label', 'State history');
      const t0 = r.history[0].time;
      for (const h of r.history) {
        const li = ol.appendChild(document.createElement('li'));
        li.className = `tc-state tc-state-${h.state.toLowerCase()}`;
        li.dataset.state = h.state;
        li.textContent = h.state;
        li.title = `+${JobRow.formatElapsed(h.time - t0)}`;
      }
    }
    if (r.error) {
      const pre = el.appendChild(document.createElement('pre'));
      pre.className = 'tc-job-error';
      pre.textContent = r.error;
    }
    if (r.logs.length) {
      const pre = el.appendChild(document.createElement('pre'));
      pre.className = 'tc-log';
      for (const l of r.logs.slice(-50)) {
        const line = pre.appendChild(document.createElement('span'));
        line.className = `tc-log-${l.stream}`;
        line.textContent = `${l.line}\n`;
      }
    }
    if (r.outputs.length) {
      const ul = el.appendChild(document.createElement('ul'));
      ul.className = 'tc-outputs';
      for (const o of r.outputs) {
        const li = ul.appendChild(document.createElement('li'));
        li.textContent = `${o.port} (${o.type}:${o.format})${o.preview ? ` = ${o.preview}` : ''}`;
      }
    }
    if (r.artifacts.length) {
      const ul = el.appendChild(document.createElement('ul'));
      ul.className = 'tc-artifacts';
      for (const a of r.artifacts) {
        const li = ul.appendChild(document.createElement('li'));
        const b = li.appendChild(document.createElement('button'));
        b.className = 'tc-artifact jp-mod-styled';
        b.textContent = a.name;
        b.title = `Open ${a.path}`;
        b.addEventListener('click', () => this.options.onOpenArtifact(a, r));
      }
    }
    if (!el.firstChild && !r.dag) {
      const p = el.appendChild(document.createElement('p'));
      p.className = 'tc-empty';
      p.textContent = 'No logs, outputs or artifacts yet.';
    }
  }

  private _expanded = false;
  private readonly options: JobRow.IOptions;
  private readonly summary: HTMLElement;
  private readonly stateEl: HTMLElement;
  private readonly nameEl: HTMLElement;
  private readonly placeEl: HTMLElement;
  private readonly elapsedEl: HTMLElement;
  private readonly cancelEl: HTMLButtonElement;
  private readonly interruptEl: HTMLButtonElement;
  private readonly noticeEl: HTMLElement;
  private readonly noticeTextEl: HTMLElement;
  private readonly progressEl: HTMLElement;
  private readonly barEl: HTMLElement;
  private readonly progressTextEl: HTMLElement;
  private details: HTMLElement | undefined;
  private dag: DagView | undefined;
  private stepsEl: HTMLElement | undefined;
  private partsEl: HTMLElement | undefined;
  private readonly stepRows = new Map<string, JobRow>();
}

/** The JobRow's options and helpers. */
export namespace JobRow {
  /** What a row needs: the model and the panel's callbacks. */
  export interface IOptions {
    record: IJobRecord;
    model: TasksModel;
    onCancel: (record: IJobRecord) => void;
    /** Interrupt the kernel that runs the job (offered when its task ignores its cancel). */
    onInterrupt?: (record: IJobRecord) => void;
    onOpenArtifact: (artifact: IArtifactRef, record: IJobRecord) => void;
    now: () => number;
  }

  /** `850 ms`, `12.3 s`, `4 min 05 s` (the format every job view shares). */
  export const formatElapsed = sharedFormatElapsed;
}
