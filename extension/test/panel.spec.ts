/**
 * @jest-environment jsdom
 */
import './dom-setup';
import { Widget } from '@lumino/widgets';
import { DagView, TasksModel, TasksPanel } from '@taskcell/jupyterlab';
import type { IJobRecord } from '@taskcell/jupyterlab';
import { ev, workflowEvents } from './events';

function setup(): {
  model: TasksModel;
  panel: TasksPanel;
  frame: () => void;
  cancelled: string[];
  opened: string[];
  cancelAll: jest.Mock;
} {
  const queue: Array<() => void> = [];
  const model = new TasksModel({ schedule: (cb) => queue.push(cb) });
  const cancelled: string[] = [];
  const opened: string[] = [];
  const cancelAll = jest.fn();
  const panel = new TasksPanel({
    model,
    onCancel: (r: IJobRecord) => cancelled.push(r.jobId),
    onCancelAll: cancelAll,
    onOpenArtifact: (a) => opened.push(a.path),
    now: () => 2_000_000,
  });
  Widget.attach(panel, document.body);
  return { model, panel, cancelled, opened, cancelAll, frame: () => queue.splice(0).forEach((cb) => cb()) };
}

const q = (root: Element, sel: string): HTMLElement => root.querySelector(sel) as HTMLElement;

describe('TasksPanel', () => {
  afterEach(() => {
    document.body.textContent = '';
  });

  it('shows each top-level job with its state, progress bar, place and elapsed time, newest first', () => {
    const { model, panel, frame } = setup();
    model.apply(ev('j1', { state: 'RUNNING', task: 'first', place: { kind: 'thread', name: '3' } }));
    model.apply(ev('j1', { kind: 'progress', progress: { current: 1, total: 4, message: 'quarter' } }));
    model.apply(ev('j2', { state: 'QUEUED', task: 'second' }));
    frame();
    const rows = panel.node.querySelectorAll('.tc-TasksPanel-list > .tc-job-row');
    expect([...rows].map((r) => (r as HTMLElement).dataset.jobId)).toEqual(['j2', 'j1']);
    const j1 = panel.row('j1')!.node;
    expect(q(j1, '.tc-state').textContent).toBe('RUNNING');
    expect(q(j1, '.tc-job-name').textContent).toBe('first');
    expect(q(j1, '.tc-job-place').textContent).toBe('thread 3');
    expect(q(j1, '.tc-progress-bar').style.width).toBe('25%');
    expect(q(j1, '.tc-progress-text').textContent).toBe('1/4 quarter');
    expect(q(j1, '.tc-job-elapsed').textContent).not.toBe('');
    model.apply(ev('j1', { kind: 'progress', progress: { current: 3, total: 4 } }));
    model.apply(ev('j1', { state: 'SUCCESS', elapsed: 1500 }));
    frame();
    expect(q(j1, '.tc-state').textContent).toBe('SUCCESS');
    expect(q(j1, '.tc-progress-bar').style.width).toBe('75%');
    expect(q(j1, '.tc-job-elapsed').textContent).toBe('1.5 s');
    expect((q(j1, '.tc-cancel') as HTMLButtonElement).hidden).toBe(true);
    expect(q(panel.node, '.tc-TasksPanel-summary').textContent).toBe('2 jobs, 1 active');
    expect(panel.updateStats.count).toBe(2);
  });

  it('expands a workflow into its DAG, coloured by state, and its steps with their logs and artifacts', () => {
    const { model, panel, frame, opened } = setup();
    for (const e of workflowEvents()) model.apply(e);
    frame();
    const row = panel.row('wf')!;
    q(row.node, '.tc-job-summary').click();
    const nodes = [...row.node.querySelectorAll('.tc-dag-node')] as SVGGElement[];
    expect(nodes.map((n) => [n.dataset.step, n.getAttribute('class')])).toEqual([
      ['a', 'tc-dag-node tc-state-success'],
      ['b', 'tc-dag-node tc-state-running'],
      ['c', 'tc-dag-node tc-state-inactive'],
    ]);
    expect(row.node.querySelectorAll('.tc-dag-edge')).toHaveLength(2);
    const steps = [...row.node.querySelectorAll('.tc-steps > .tc-job-row')] as HTMLElement[];
    expect(steps.map((s) => [s.dataset.jobId, s.dataset.state])).toEqual([
      ['a1', 'SUCCESS'],
      ['b1', 'RUNNING'],
    ]);
    // Live: a step's own update reaches its row and the DAG without a full refresh.
    model.apply(ev('b1', { state: 'SUCCESS', parentId: 'wf', step: 'b' }));
    model.apply(ev('c1', { state: 'QUEUED', parentId: 'wf', step: 'c', task: 'c' }));
    frame();
    expect(nodes[1].getAttribute('class')).toBe('tc-dag-node tc-state-success');
    expect(nodes[2].getAttribute('class')).toBe('tc-dag-node tc-state-queued');
    expect(row.node.querySelectorAll('.tc-steps > .tc-job-row')).toHaveLength(3);
    const a = row.stepRow('a1')!;
    q(a.node, '.tc-job-summary').click();
    expect([...a.node.querySelectorAll('.tc-history li')].map((li) => li.textContent)).toEqual(['QUEUED', 'RUNNING', 'SUCCESS']);
    expect(q(a.node, '.tc-log-stdout').textContent).toBe('hello\n');
    expect(q(a.node, '.tc-log-stderr').textContent).toBe('careful\n');
    expect(q(a.node, '.tc-outputs').textContent).toBe('xs (number_list:number_list) = [1,2]');
    q(a.node, '.tc-artifact').click();
    expect(opened).toEqual(['/srv/plot.png']);
  });

  it('cancels one job, a workflow, or all', () => {
    const { model, panel, frame, cancelled, cancelAll } = setup();
    for (const e of workflowEvents()) model.apply(e);
    model.apply(ev('solo', { state: 'RUNNING' }));
    frame();
    q(panel.row('solo')!.node, '.tc-cancel').click();
    q(panel.row('wf')!.node, '.tc-cancel').click();
    q(panel.node, '.tc-cancel-all').click();
    expect(cancelled).toEqual(['solo', 'wf']);
    expect(cancelAll).toHaveBeenCalledTimes(1);
    // Clicking cancel does not toggle the row.
    expect(panel.row('solo')!.expanded).toBe(false);
  });

  it('filters by state and keeps the filter as jobs change', () => {
    const { model, panel, frame } = setup();
    model.apply(ev('ok', { state: 'SUCCESS' }));
    model.apply(ev('bad', { state: 'ERROR', error: { code: 'taskcell:task', message: 'boom' } as never }));
    model.apply(ev('run', { state: 'CONVERTING_INPUT' }));
    frame();
    const visible = (): string[] =>
      [...panel.node.querySelectorAll('.tc-TasksPanel-list > .tc-job-row:not([hidden])')].map((r) => (r as HTMLElement).dataset.jobId!);
    panel.setFilter('ERROR');
    expect(visible()).toEqual(['bad']);
    panel.setFilter('RUNNING');
    expect(visible()).toEqual(['run']);
    panel.setFilter('active');
    expect(visible()).toEqual(['run']);
    model.apply(ev('run', { state: 'SUCCESS' }));
    frame();
    expect(visible()).toEqual([]);
    const select = q(panel.node, '.tc-filter') as HTMLSelectElement;
    select.value = 'SUCCESS';
    select.dispatchEvent(new Event('change'));
    expect(visible()).toEqual(['run', 'ok']);
    expect(q(panel.node, '.tc-TasksPanel-summary').textContent).toBe('3 jobs, 0 active, 2 shown');
  });

  it('stops updating while hidden and catches up when shown', () => {
    const { model, panel, frame } = setup();
    model.apply(ev('j', { state: 'RUNNING' }));
    frame();
    panel.hide();
    model.apply(ev('j', { state: 'SUCCESS' }));
    model.apply(ev('k', { state: 'QUEUED' }));
    frame();
    expect(panel.row('j')!.node.dataset.state).toBe('RUNNING');
    expect(panel.row('k')).toBeUndefined();
    panel.show();
    expect(panel.row('j')!.node.dataset.state).toBe('SUCCESS');
    expect(panel.row('k')).toBeDefined();
  });

  it('updates 1,000 listed jobs at 100 events a second in well under a frame', () => {
    const { model, panel, frame } = setup();
    for (let i = 0; i < 1000; i++) model.apply(ev(`j${i}`, { state: 'RUNNING', task: `t${i}` }));
    frame();
    expect(panel.node.querySelectorAll('.tc-TasksPanel-list > .tc-job-row')).toHaveLength(1000);
    const before = panel.updateStats;
    // 100 events a second are about 2 per 60 Hz frame; deliver 60 frames' worth.
    for (let f = 0; f < 60; f++) {
      for (let k = 0; k < 2; k++) {
        const i = ((f * 2 + k) * 7) % 1000;
        model.apply(ev(`j${i}`, { kind: 'progress', progress: { current: f, total: 60, message: `step ${f}` } }));
      }
      frame();
    }
    const after = panel.updateStats;
    expect(after.count - before.count).toBe(60);
    // jsdom is slower than a browser; the e2e test measures the real figure.
    expect((after.total - before.total) / 60).toBeLessThan(16);
  });
});

describe('DagView', () => {
  it('lays steps out in layers by longest path from a source', () => {
    const layout = DagView.layout({
      steps: ['a', 'b', 'c', 'd'],
      edges: [
        ['a', 'b'],
        ['a', 'c'],
        ['b', 'd'],
        ['c', 'd'],
      ],
    });
    expect([...layout.positions.entries()]).toEqual([
      ['a', { layer: 0, index: 0 }],
      ['b', { layer: 1, index: 0 }],
      ['c', { layer: 1, index: 1 }],
      ['d', { layer: 2, index: 0 }],
    ]);
    expect([layout.columns, layout.rows]).toEqual([3, 2]);
  });
});
