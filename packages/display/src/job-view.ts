import type { IJobEvent, IProgress } from '@taskcell/core';
import { escapeHtml } from './html';
import { MIME } from './mime';
import type { IMimeBundle } from './mime';

/** What the inline job display shows: the latest of a job's events, folded together. */
export interface IJobView {
  jobId: string;
  task?: string;
  state: string;
  progress?: IProgress;
  /** The last few log lines. */
  logs: string[];
  elapsed?: number;
  error?: string;
  /** Workflows: each step's latest state. */
  steps: Record<string, string>;
}

/** How many log lines the inline display keeps. */
export const JOB_VIEW_LOG_LINES = 5;

/** A fresh view of a job. */
export function createJobView(jobId: string, task?: string): IJobView {
  return { jobId, task, state: 'INACTIVE', logs: [], steps: {} };
}

/** Fold one event into a view (in place); steps of a workflow update its step table. */
export function applyJobEvent(view: IJobView, event: IJobEvent): IJobView {
  if (event.jobId !== view.jobId) {
    if (event.step && event.state) view.steps[event.step] = event.state;
    return view;
  }
  if (event.task) view.task = event.task;
  if (event.state) view.state = event.state;
  if (event.progress) view.progress = event.progress;
  if (event.log) view.logs = [...view.logs, event.log.line].slice(-JOB_VIEW_LOG_LINES);
  if (event.elapsed !== undefined) view.elapsed = event.elapsed;
  if (event.error) view.error = `${event.error.code}: ${event.error.message}`;
  if (event.dag) for (const s of event.dag.steps) view.steps[s] ??= 'INACTIVE';
  return view;
}

/** True when the view's state is final. */
export function isFinalJobView(view: IJobView): boolean {
  return view.state === 'SUCCESS' || view.state === 'ERROR' || view.state === 'CANCELED';
}

/** A job's inline display: `application/vnd.taskcell.job+json`, an HTML progress bar and a text line. */
export function jobViewBundle(view: IJobView): IMimeBundle {
  const name = view.task ?? view.jobId;
  const p = view.progress;
  const pct = p && p.total > 0 ? Math.max(0, Math.min(100, Math.round((100 * p.current) / p.total))) : undefined;
  const when = view.elapsed !== undefined ? ` in ${view.elapsed} ms` : '';
  const progressText = p ? ` ${p.current}/${p.total}${p.message ? ` ${p.message}` : ''}` : '';
  const steps = Object.entries(view.steps);
  const text = [`${name} [${view.state}]${progressText}${when}`];
  for (const [s, st] of steps) text.push(`  ${s}: ${st}`);
  if (view.error) text.push(`  ${view.error}`);
  for (const l of view.logs) text.push(`  | ${l}`);
  const bar =
    pct !== undefined
      ? `<progress max="100" value="${pct}"></progress> ${pct}%${p?.message ? ` ${escapeHtml(p.message)}` : ''}`
      : isFinalJobView(view)
        ? ''
        : '<progress></progress>';
  const html = [
    `<div class="tc-job tc-job-${view.state.toLowerCase()}">`,
    `<b>${escapeHtml(name)}</b> <code>${escapeHtml(view.state)}</code>${escapeHtml(when)} ${bar}`,
    steps.length ? `<ul>${steps.map(([s, st]) => `<li>${escapeHtml(s)}: <code>${escapeHtml(st)}</code></li>`).join('')}</ul>` : '',
    view.error ? `<pre class="tc-job-error">${escapeHtml(view.error)}</pre>` : '',
    view.logs.length ? `<pre class="tc-job-log">${escapeHtml(view.logs.join('\n'))}</pre>` : '',
    '</div>',
  ].join('');
  return { [MIME.job]: { ...view }, [MIME.html]: html, [MIME.plain]: text.join('\n') };
}
