import type { IArtifactRef } from '@taskcell/core';
import { describePlace, formatElapsed as sharedFormatElapsed, formatPlace, formatProgress, progressPercent } from '@taskcell/display';
import { DagView } from './dag-view';
import type { RerunHow } from './dag-view';
import { FINAL_STATES } from './model';
import type { IJobRecord, TasksModel } from './model';

/** The class names of a Tasks panel row (the stylesheet uses the same). */
export const ROW_CLASS = {
  row: 'tc-Panel-row',
  summary: 'tc-Panel-rowSummary',
  caret: 'tc-Panel-caret',
  state: 'tc-Panel-state',
  name: 'tc-Panel-name',
  cached: 'tc-Panel-cached',
  cancel: 'tc-Panel-cancel',
  meta: 'tc-Panel-meta',
  place: 'tc-Panel-place',
  attempt: 'tc-Panel-attempt',
  start: 'tc-Panel-start',
  elapsed: 'tc-Panel-elapsed',
  notebook: 'tc-Panel-notebook',
  jump: 'tc-Panel-jump',
  form: 'tc-Panel-form',
  notice: 'tc-Panel-notice',
  noticeText: 'tc-Panel-noticeText',
  interrupt: 'tc-Panel-interrupt',
  progress: 'tc-Panel-progress',
  track: 'tc-Panel-progressTrack',
  bar: 'tc-Panel-progressBar',
  progressText: 'tc-Panel-progressText',
  details: 'tc-Panel-details',
  parts: 'tc-Panel-parts',
  history: 'tc-Panel-history',
  historyItem: 'tc-Panel-historyItem',
  error: 'tc-Panel-error',
  debug: 'tc-Panel-debug',
  debugList: 'tc-Panel-debugList',
  log: 'tc-Panel-log',
  logLine: 'tc-Panel-logLine',
  outputs: 'tc-Panel-outputs',
  artifacts: 'tc-Panel-artifacts',
  artifact: 'tc-Panel-artifact',
  steps: 'tc-Panel-steps',
  empty: 'tc-Panel-empty',
  expanded: 'tc-mod-expanded',
  indeterminate: 'tc-mod-indeterminate',
  step: 'tc-mod-step',
} as const;

/**
 * One job in the Tasks panel: a summary line (state, the whole name, a cache-hit badge, cancel),
 * a line of facts (where it runs, when it started, how long it took, its notebook, a jump to its
 * cell), a progress bar with the last message while there is progress to show, and, when
 * expanded, the job's history, log tail, outputs and artifacts, then a workflow's DAG and steps.
 * Plain DOM, updated in place.
 */
export class JobRow {
  /** The row's element. */
  readonly node: HTMLElement;

  constructor(options: JobRow.IOptions) {
    this.jobId = options.record.jobId;
    this.options = options;
    const C = ROW_CLASS;
    const n = document.createElement('div');
    n.className = options.record.parentId !== undefined ? `${C.row} ${C.step}` : C.row;
    n.dataset.jobId = this.jobId;
    n.innerHTML =
      `<div class="${C.summary}" role="button" tabindex="0" aria-expanded="false">` +
      `<span class="${C.caret}"></span><span class="${C.state}"></span><span class="${C.name}"></span>` +
      `<span class="${C.cached}" title="Served from the run records or the result cache: no task ran" hidden>cached</span>` +
      `<button class="${C.cancel} jp-mod-styled" title="Cancel">Cancel</button></div>` +
      `<div class="${C.meta}"><span class="${C.place}"></span><span class="${C.attempt}" hidden></span><span class="${C.start}"></span>` +
      `<span class="${C.elapsed}"></span><span class="${C.notebook}"></span>` +
      `<button class="${C.jump} jp-mod-styled" title="Go to the cell that started this job" hidden>Cell</button>` +
      `<button class="${C.form} jp-mod-styled" title="Insert a form of this task below its cell, to run it again with other inputs" hidden>Form</button></div>` +
      `<div class="${C.progress}"><div class="${C.track}"><div class="${C.bar}"></div></div>` +
      `<span class="${C.progressText}"></span></div>` +
      // The kernel's notice that the task ignores its cancel, with the Interrupt it calls for, under the summary so a narrow panel shows both.
      `<div class="${C.notice}" role="status" hidden><span class="${C.noticeText}"></span>` +
      `<button class="${C.interrupt} jp-mod-styled" title="Interrupt the kernel" hidden>Interrupt</button></div>`;
    this.node = n;
    this.summary = n.firstChild as HTMLElement;
    const q = <T extends Element>(cls: string): T => n.getElementsByClassName(cls)[0] as T;
    this.stateEl = q(C.state);
    this.nameEl = q(C.name);
    this.cachedEl = q(C.cached);
    this.placeEl = q(C.place);
    this.attemptEl = q(C.attempt);
    this.startEl = q(C.start);
    this.elapsedEl = q(C.elapsed);
    this.notebookEl = q(C.notebook);
    this.jumpEl = q(C.jump);
    this.formEl = q(C.form);
    this.cancelEl = q(C.cancel);
    this.interruptEl = q(C.interrupt);
    this.noticeEl = q(C.notice);
    this.noticeTextEl = q(C.noticeText);
    this.progressEl = q(C.progress);
    this.barEl = q(C.bar);
    this.progressTextEl = q(C.progressText);
    this.summary.addEventListener('click', (e) => {
      if (e.target === this.cancelEl) return;
      this.setExpanded(!this.expanded);
    });
    this.summary.addEventListener('keydown', (e) => {
      if (e.target === this.summary && (e.key === 'Enter' || e.key === ' ')) {
        e.preventDefault();
        this.setExpanded(!this.expanded);
      }
    });
    const act = (el: HTMLElement, action: ((r: IJobRecord) => void) | undefined): void =>
      el.addEventListener('click', (e) => {
        e.stopPropagation();
        const r = this.options.model.get(this.jobId);
        if (r) action?.(r);
      });
    act(this.cancelEl, (r) => this.options.onCancel(r));
    act(this.interruptEl, (r) => this.options.onInterrupt?.(r));
    act(this.jumpEl, (r) => this.options.onJumpToCell?.(r));
    act(this.formEl, (r) => this.options.onForm?.(r));
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
    this.node.classList.toggle(ROW_CLASS.expanded, expanded);
    this.summary.setAttribute('aria-expanded', String(expanded));
    if (expanded) this.update();
    else {
      this.details?.remove();
      this.details = undefined;
      this.dag = undefined;
      this.partsEl = undefined;
      this.stepsEl = undefined;
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
      this.stateEl.dataset.state = state;
      this.stateEl.textContent = state;
    }
    const name = r.step ?? r.task ?? r.jobId;
    const label = r.step !== undefined && r.task !== undefined && r.task !== r.step ? `${r.step} (${r.task})` : name;
    if (this.nameEl.textContent !== label) {
      this.nameEl.textContent = label;
      // The whole name, whatever the panel's width cuts, with the job id and its notebook.
      this.nameEl.title = `${label}\njob ${r.jobId}${r.source ? `\nin ${r.source}` : ''}`;
    }
    this.cachedEl.hidden = r.cached !== true;
    this.setText(this.placeEl, formatPlace(r.place), describePlace(r.place));
    // A job with a retry policy says which attempt runs (or ran last).
    this.attemptEl.hidden = r.attempt === undefined;
    if (r.attempt) this.setText(this.attemptEl, `attempt ${r.attempt.n} of ${r.attempt.of}`, 'Attempts the retry policy allows this job');
    if (this.startedAt !== r.started) {
      this.startedAt = r.started;
      const d = new Date(r.started);
      this.setText(this.startEl, JobRow.formatStart(d), `started ${d.toLocaleString()}`);
    }
    // Steps belong to their workflow's notebook and cell.
    const top = r.parentId === undefined;
    if (top) {
      const notebook = r.source?.split('/').pop() ?? '';
      this.setText(this.notebookEl, notebook, r.source ?? '');
      this.jumpEl.hidden = r.cellId === undefined || r.source === undefined || !this.options.onJumpToCell;
      this.formEl.hidden = r.cellId === undefined || r.source === undefined || !this.options.onForm;
    }
    this.cancelEl.hidden = FINAL_STATES.has(r.state) || r.state === 'CANCELING' || !!r.lost;
    // A task that ignores its cancel still runs in the kernel: only an interrupt (or a restart) helps.
    const stray = r.cancelIgnored !== undefined && !r.lost;
    this.interruptEl.hidden = !stray || !this.options.onInterrupt;
    this.noticeEl.hidden = !stray;
    if (stray && this.noticeTextEl.textContent !== r.cancelIgnored) this.noticeTextEl.textContent = r.cancelIgnored ?? '';
    this.tick();
    this.updateProgress(r);
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

  /** The bar shows reported progress; a running job without any shows a still stripe; a finished one without any shows none. */
  private updateProgress(r: IJobRecord): void {
    const p = r.progress;
    const final = FINAL_STATES.has(r.state) || !!r.lost;
    const pct = progressPercent(p);
    let hidden = false;
    if (p && pct !== undefined) {
      this.barEl.style.width = `${r.state === 'SUCCESS' ? 100 : pct}%`;
      this.progressEl.dataset.value = String(Math.round(pct));
      this.progressEl.classList.remove(ROW_CLASS.indeterminate);
      this.setText(this.progressTextEl, formatProgress(p));
    } else {
      const waiting = r.state === 'INACTIVE' || r.state === 'QUEUED';
      hidden = final || (waiting && !p?.message);
      this.barEl.style.width = '0%';
      this.progressEl.classList.toggle(ROW_CLASS.indeterminate, !final && !waiting);
      this.setText(this.progressTextEl, p?.message ?? '');
    }
    if (this.progressEl.hidden !== hidden) this.progressEl.hidden = hidden;
  }

  private setText(el: HTMLElement, text: string, title?: string): void {
    if (el.textContent !== text) el.textContent = text;
    if (title !== undefined && el.title !== title) el.title = title;
  }

  private renderDetails(r: IJobRecord): void {
    if (!this.details) {
      this.details = document.createElement('div');
      this.details.className = ROW_CLASS.details;
      this.node.appendChild(this.details);
    }
    const d = this.details;
    if (!r.dag) {
      this.renderJobParts(r, d);
      return;
    }
    // A workflow's own history and outputs sit under its header, then its graph and its steps.
    if (!this.dag) {
      d.textContent = '';
      this.partsEl = document.createElement('div');
      this.partsEl.className = ROW_CLASS.parts;
      const onRerun = this.options.onRerun;
      // A workflow started from a notebook can be re-run from its steps (a step's own DAG cannot).
      this.dag = new DagView(r.dag, onRerun && r.parentId === undefined ? { onRerun: (step, how) => onRerun(r, step, how) } : {});
      this.stepsEl = document.createElement('div');
      this.stepsEl.className = ROW_CLASS.steps;
      d.append(this.partsEl, this.dag.node, this.stepsEl);
    }
    this.renderJobParts(r, this.partsEl as HTMLElement);
    this.dag.update((s) => this.options.model.stepState(r, s));
    for (const step of this.options.model.steps(r)) {
      let row = this.stepRows.get(step.jobId);
      if (!row) {
        row = new JobRow({ ...this.options, record: step });
        this.stepRows.set(step.jobId, row);
        this.stepsEl?.appendChild(row.node);
      } else row.update();
    }
  }

  private renderJobParts(r: IJobRecord, el: HTMLElement): void {
    const C = ROW_CLASS;
    el.textContent = '';
    if (r.history.length) {
      const ol = el.appendChild(document.createElement('ol'));
      ol.className = C.history;
      ol.setAttribute('aria-label', 'State history');
      const t0 = r.history[0].time;
      for (const h of r.history) {
        const li = ol.appendChild(document.createElement('li'));
        li.className = C.historyItem;
        li.dataset.state = h.state;
        li.textContent = h.state;
        li.title = `+${JobRow.formatElapsed(h.time - t0)}`;
      }
    }
    if (r.error) {
      const pre = el.appendChild(document.createElement('pre'));
      pre.className = C.error;
      pre.textContent = r.error;
    }
    if (r.error && (r.debug || r.place)) el.appendChild(JobRow.debugSection(r));
    if (r.logs.length) {
      const pre = el.appendChild(document.createElement('pre'));
      pre.className = C.log;
      for (const l of r.logs.slice(-50)) {
        const line = pre.appendChild(document.createElement('span'));
        line.className = C.logLine;
        line.dataset.stream = l.stream;
        line.textContent = `${l.line}\n`;
      }
    }
    if (r.outputs.length) {
      const ul = el.appendChild(document.createElement('ul'));
      ul.className = C.outputs;
      for (const o of r.outputs) {
        const li = ul.appendChild(document.createElement('li'));
        li.textContent = `${o.port} (${o.type}:${o.format})${o.preview ? ` = ${o.preview}` : ''}`;
      }
    }
    if (r.artifacts.length) {
      const ul = el.appendChild(document.createElement('ul'));
      ul.className = C.artifacts;
      for (const a of r.artifacts) {
        const li = ul.appendChild(document.createElement('li'));
        const b = li.appendChild(document.createElement('button'));
        b.className = `${C.artifact} jp-mod-styled`;
        b.textContent = a.name;
        b.title = `Open ${a.path}`;
        b.addEventListener('click', () => this.options.onOpenArtifact(a, r));
      }
    }
    if (!el.firstChild && !r.dag) {
      const p = el.appendChild(document.createElement('p'));
      p.className = C.empty;
      p.textContent = 'No logs, outputs or artifacts yet.';
    }
  }

  /**
   * A failed job's Debug section: what its error names to explain the failure (the command line as
   * it ran, the image digest, the exit code, where it ran, the environment with secrets redacted, the
   * end of stderr, the working directory kept), each value selectable text.
   */
  static debugSection(r: IJobRecord): HTMLElement {
    const d = r.debug ?? {};
    const details = document.createElement('details');
    details.className = ROW_CLASS.debug;
    details.appendChild(document.createElement('summary')).textContent = 'Debug';
    const dl = details.appendChild(document.createElement('dl'));
    dl.className = ROW_CLASS.debugList;
    const item = (term: string, value: string | undefined, pre = false) => {
      if (!value) return;
      dl.appendChild(document.createElement('dt')).textContent = term;
      const dd = dl.appendChild(document.createElement('dd'));
      dd.appendChild(document.createElement(pre ? 'pre' : 'code')).textContent = value;
    };
    item('Command', d.commandLine);
    item('Image', d.image && (d.imageDigest ? `${d.image} (${d.imageDigest})` : d.image));
    item('Exit code', d.exitCode === undefined ? undefined : String(d.exitCode));
    const where = [describePlace(r.place), d.host && `host ${d.host}`].filter(Boolean).join(', ');
    item('Ran on', where);
    item('Environment', d.env?.length ? d.env.join('\n') : undefined, true);
    item('stderr (end)', d.stderr, true);
    item('Working directory kept', d.workdir);
    return details;
  }

  private _expanded = false;
  private startedAt: number | undefined;
  private readonly options: JobRow.IOptions;
  private readonly summary: HTMLElement;
  private readonly stateEl: HTMLElement;
  private readonly nameEl: HTMLElement;
  private readonly cachedEl: HTMLElement;
  private readonly placeEl: HTMLElement;
  private readonly attemptEl: HTMLElement;
  private readonly startEl: HTMLElement;
  private readonly elapsedEl: HTMLElement;
  private readonly notebookEl: HTMLElement;
  private readonly jumpEl: HTMLButtonElement;
  private readonly formEl: HTMLButtonElement;
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
    /** Show the notebook cell that started a top-level job (offered when the kernel named the cell). */
    onJumpToCell?: (record: IJobRecord) => void;
    /** Insert a form of a top-level job's task below the cell that started it (offered when the kernel named the cell). */
    onForm?: (record: IJobRecord) => void;
    /** Run a top-level workflow again, just `step` (`only`) or from `step` on (`from`): its DAG's node actions. */
    onRerun?: (record: IJobRecord, step: string, how: RerunHow) => void;
    onOpenArtifact: (artifact: IArtifactRef, record: IJobRecord) => void;
    now: () => number;
  }

  /** `850 ms`, `12.3 s`, `4 min 05 s` (the format every job view shares). */
  export const formatElapsed = sharedFormatElapsed;

  /** A start time as `14:03:07` (24-hour, local time). */
  export function formatStart(date: Date): string {
    const two = (n: number): string => String(n).padStart(2, '0');
    return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  }
}
