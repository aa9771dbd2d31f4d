/// <reference lib="dom" />
// The Tasks panel page for bench/panel.bench.mjs: taskcell's TasksPanel fed by a synthetic stream of
// job events (what the comm delivers), against the peer, a React list of the same rows re-rendered
// with keys on every frame (as JupyterLab's own sidebars, such as the running-sessions panel, draw
// their lists). Each frame folds `perFrame` events, then times the update and the layout it forces.
import { Widget } from '@lumino/widgets';
import type { IJobEvent } from '@taskcell/core';
import { createElement } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { TasksModel } from '../../extension/src/model';
import type { IJobRecord } from '../../extension/src/model';
import { TasksPanel } from '../../extension/src/panel';

interface IOptions {
  jobs: number;
  frames: number;
  perFrame: number;
}

const host = document.getElementById('host') as HTMLElement;
const nextFrame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));
let clock = Date.now();

function running(i: number): IJobEvent {
  return {
    v: 1,
    kind: 'state',
    jobId: `job-${i}`,
    task: `synthetic-task-${i}`,
    time: clock++,
    state: 'RUNNING',
    place: { kind: 'thread', name: `thread-${i % 4}` },
  };
}

function progress(f: number, k: number, o: IOptions): IJobEvent {
  const i = ((f * o.perFrame + k) * 37) % o.jobs;
  return {
    v: 1,
    kind: 'progress',
    jobId: `job-${i}`,
    time: clock++,
    state: 'RUNNING',
    progress: { current: f + 1, total: o.frames, message: `tick ${f + 1}` },
  };
}

/** The frames' update times (ms) of `update` after `apply` folded each frame's events. */
async function frames(o: IOptions, apply: (e: IJobEvent) => void, update: () => void): Promise<number[]> {
  const times: number[] = [];
  for (let f = 0; f < o.frames; f++) {
    for (let k = 0; k < o.perFrame; k++) apply(progress(f, k, o));
    await nextFrame();
    const t0 = performance.now();
    update();
    // The layout the update calls for, as the frame would pay it.
    void host.getBoundingClientRect().height;
    void document.body.offsetHeight;
    times.push(performance.now() - t0);
  }
  return times;
}

/** taskcell's panel: the model batches a frame's events and the panel updates the rows that changed in place. */
async function taskcell(o: IOptions): Promise<number[]> {
  host.textContent = '';
  const queue: Array<() => void> = [];
  const model = new TasksModel({ schedule: (cb) => queue.push(cb) });
  const panel = new TasksPanel({ model, onCancel: () => undefined, onCancelAll: () => undefined, onOpenArtifact: () => undefined });
  panel.setScope('all');
  panel.node.style.height = '100%';
  Widget.attach(panel, host);
  for (let i = 0; i < o.jobs; i++) model.apply(running(i), 'bench.ipynb');
  queue.splice(0).forEach((cb) => cb());
  if (panel.node.querySelectorAll('.tc-Panel-row').length !== o.jobs) throw new Error(`expected ${o.jobs} rows in the panel`);
  const times = await frames(
    o,
    (e) => model.apply(e, 'bench.ipynb'),
    () => queue.splice(0).forEach((cb) => cb()),
  );
  Widget.detach(panel);
  panel.dispose();
  return times;
}

/** The peer: the same records kept in a map, and every row re-rendered by React (keyed) each frame. */
async function react(o: IOptions): Promise<number[]> {
  host.textContent = '';
  const div = host.appendChild(document.createElement('div'));
  div.style.cssText = 'height:100%;overflow-y:auto';
  const root = createRoot(div);
  const model = new TasksModel({ schedule: () => undefined });
  const Row = ({ r }: { r: IJobRecord }) =>
    createElement(
      'div',
      { className: 'tc-Panel-row', 'data-state': r.state },
      createElement(
        'div',
        { className: 'tc-Panel-rowSummary' },
        createElement('span', { className: 'tc-Panel-state' }, r.state),
        createElement('span', { className: 'tc-Panel-name', title: r.task }, r.task),
      ),
      createElement('div', { className: 'tc-Panel-meta' }, createElement('span', null, r.place?.name ?? '')),
      createElement(
        'div',
        { className: 'tc-Panel-progress' },
        createElement(
          'div',
          { className: 'tc-Panel-progressTrack' },
          createElement('div', {
            className: 'tc-Panel-progressBar',
            style: { width: `${r.progress ? (100 * r.progress.current) / r.progress.total : 0}%` },
          }),
        ),
        createElement('span', { className: 'tc-Panel-progressText' }, r.progress?.message ?? ''),
      ),
    );
  const render = (): void =>
    flushSync(() =>
      root.render(
        createElement(
          'div',
          { className: 'tc-Panel-list' },
          model.topLevel().map((r) => createElement(Row, { key: r.jobId, r: { ...r } })),
        ),
      ),
    );
  for (let i = 0; i < o.jobs; i++) model.apply(running(i));
  render();
  if (div.querySelectorAll('.tc-Panel-row').length !== o.jobs) throw new Error(`expected ${o.jobs} rows in the React list`);
  const times = await frames(o, (e) => model.apply(e), render);
  root.unmount();
  return times;
}

(window as unknown as { panelBench: unknown }).panelBench = { taskcell, react };
