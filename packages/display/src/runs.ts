import type { IRunRecord } from '@taskcell/core';
import { escapeHtml } from './html';
import { MIME } from './mime';
import type { IMimeBundle } from './mime';

/** The runs view as `application/vnd.taskcell.runs+json` carries it: run records, newest first. */
export interface IRunsViewData {
  v: 1;
  title: string;
  runs: IRunRecord[];
}

/** One line of the runs list: id, kind, task (step), state, place, elapsed, start. */
export function runSummary(r: IRunRecord): Record<string, string> {
  return {
    id: r.id,
    kind: r.kind ?? '',
    task: `${r.task ?? ''}${r.step !== undefined ? ` [${r.step}]` : ''}`,
    state: r.state ?? '',
    place: r.place ? [r.place.kind, r.place.name].filter(Boolean).join(' ') : '',
    elapsed: r.elapsed === undefined ? '' : `${r.elapsed} ms`,
    started: new Date(r.started).toISOString().replace('T', ' ').slice(0, 19),
  };
}

/** Run records as the Runs view, with HTML and text lists that never outrank it in JupyterLab. */
export function runsBundle(runs: IRunRecord[], title = 'Runs'): IMimeBundle {
  const lines = runs.map(runSummary);
  const fields = ['id', 'kind', 'task', 'state', 'place', 'elapsed', 'started'];
  const html = [
    `<table class="tc-runs"><caption>${escapeHtml(title)} (${runs.length})</caption>`,
    `<thead><tr>${fields.map((f) => `<th>${f}</th>`).join('')}</tr></thead><tbody>`,
    ...lines.map((l) => `<tr>${fields.map((f) => `<td>${escapeHtml(l[f])}</td>`).join('')}</tr>`),
    '</tbody></table>',
  ].join('');
  const text = [`${title} (${runs.length})`, ...lines.map((l) => fields.map((f) => l[f]).join('\t'))].join('\n');
  const data: IRunsViewData = { v: 1, title, runs };
  return { [MIME.runs]: data, [MIME.html]: html, [MIME.plain]: text };
}
