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
    const rows = panel.node.querySelectorAll('.tc-Panel-list > .tc-Panel-row');
    expect([...rows].map((r) => (r as HTMLElement).dataset.jobId)).toEqual(['j2', 'j1']);
    const j1 = panel.row('j1')!.node;
    expect(q(j1, '.tc-Panel-state').textContent).toBe('RUNNING');
    expect(q(j1, '.tc-Panel-name').textContent).toBe('first');
    expect(q(j1, '.tc-Panel-place').textContent).toBe('thread 3');
    expect(q(j1, '.tc-Panel-start').textContent).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(q(j1, '.tc-Panel-progressBar').style.width).toBe('25%');
    expect(q(j1, '.tc-Panel-progressText').textContent).toBe('1/4 quarter');
    expect(q(j1, '.tc-Panel-elapsed').textContent).not.toBe('');
    model.apply(ev('j1', { kind: 'progress', progress: { current: 3, total: 4 } }));
    model.apply(ev('j1', { state: 'SUCCESS', elapsed: 1500 }));
    frame();
    expect(q(j1, '.tc-Panel-state').textContent).toBe('SUCCESS');
    // A finished job's bar is full; its last report stays as text.
    expect(q(j1, '.tc-Panel-progressBar').style.width).toBe('100%');
    expect(q(j1, '.tc-Panel-elapsed').textContent).toBe('1.5 s');
    expect((q(j1, '.tc-Panel-cancel') as HTMLButtonElement).hidden).toBe(true);
    expect(panel.summary).toMatchObject({ queued: 1, running: 0, done: 1, failed: 0 });
    expect(panel.updateStats.count).toBe(2);
  });

  it('expands a workflow into its DAG, coloured by state, and its steps with their logs and artifacts', () => {
    const { model, panel, frame, opened } = setup();
    for (const e of workflowEvents()) model.apply(e);
    frame();
    const row = panel.row('wf')!;
    q(row.node, '.tc-Panel-rowSummary').click();
    const nodes = [...row.node.querySelectorAll('.tc-Panel-dagNode')] as SVGGElement[];
    expect(nodes.map((n) => [n.dataset.step, n.dataset.state])).toEqual([
      ['a', 'SUCCESS'],
      ['b', 'RUNNING'],
      ['c', 'INACTIVE'],
    ]);
    expect(row.node.querySelectorAll('.tc-Panel-dagEdge')).toHaveLength(2);
    const steps = [...row.node.querySelectorAll('.tc-Panel-steps > .tc-Panel-row')] as HTMLElement[];
    expect(steps.map((s) => [s.dataset.jobId, s.dataset.state])).toEqual([
      ['a1', 'SUCCESS'],
      ['b1', 'RUNNING'],
    ]);
    // Live: a step's own update reaches its row and the DAG without a full refresh.
    model.apply(ev('b1', { state: 'SUCCESS', parentId: 'wf', step: 'b' }));
    model.apply(ev('c1', { state: 'QUEUED', parentId: 'wf', step: 'c', task: 'c' }));
    frame();
    expect(nodes[1].dataset.state).toBe('SUCCESS');
    expect(nodes[2].dataset.state).toBe('QUEUED');
    expect(row.node.querySelectorAll('.tc-Panel-steps > .tc-Panel-row')).toHaveLength(3);
    const a = row.stepRow('a1')!;
    q(a.node, '.tc-Panel-rowSummary').click();
    expect([...a.node.querySelectorAll('.tc-Panel-historyItem')].map((li) => li.textContent)).toEqual(['QUEUED', 'RUNNING', 'SUCCESS']);
    expect(q(a.node, '.tc-Panel-logLine[data-stream="stdout"]').textContent).toBe('hello\n');
    expect(q(a.node, '.tc-Panel-logLine[data-stream="stderr"]').textContent).toBe('careful\n');
    expect(q(a.node, '.tc-Panel-outputs').textContent).toBe('xs (number_list:number_list) = [1,2]');
    q(a.node, '.tc-Panel-artifact').click();
    expect(opened).toEqual(['/srv/plot.png']);
  });

  it('offers "New form…" only when given what it does, and calls it', () => {
    const { panel } = setup();
    expect(panel.node.querySelector('.tc-Panel-newForm')).toBeNull();
    const onNewForm = jest.fn();
    const withForms = new TasksPanel({
      model: new TasksModel(),
      onCancel: () => undefined,
      onCancelAll: () => undefined,
      onOpenArtifact: () => undefined,
      onNewForm,
    });
    Widget.attach(withForms, document.body);
    const button = q(withForms.node, '.tc-Panel-newForm');
    expect(button.textContent).toBe('New form…');
    button.click();
    expect(onNewForm).toHaveBeenCalledTimes(1);
  });

  it('cancels one job, a workflow, or all', () => {
    const { model, panel, frame, cancelled, cancelAll } = setup();
    for (const e of workflowEvents()) model.apply(e);
    model.apply(ev('solo', { state: 'RUNNING' }));
    frame();
    q(panel.row('solo')!.node, '.tc-Panel-cancel').click();
    q(panel.row('wf')!.node, '.tc-Panel-cancel').click();
    q(panel.node, '.tc-Panel-cancelAll').click();
    expect(cancelled).toEqual(['solo', 'wf']);
    expect(cancelAll).toHaveBeenCalledTimes(1);
    // Clicking cancel does not toggle the row.
    expect(panel.row('solo')!.expanded).toBe(false);
  });

  it("a failed job's row has a Debug section: command, image and digest, exit code, where it ran, environment, stderr, kept directory", () => {
    const { model, panel, frame } = setup();
    const context = {
      commandLine: "sh -c 'exit 4' -- Ada",
      image: 'taskcell-test/busybox:latest',
      imageDigest: 'sha256:0123',
      exitCode: 4,
      env: ['PATH=/bin', 'API_TOKEN=***'],
      host: 'node-1',
      stderr: 'no greeting for Ada',
      workdir: '/tmp/kept-1',
    };
    model.apply(ev('bad', { state: 'RUNNING', task: 'greet', place: { kind: 'remote', name: 'worker-a', host: 'node-1' } }));
    model.apply(ev('bad', { state: 'ERROR', error: { code: 'taskcell:container-exit', message: 'exit 4', context } as never }));
    model.apply(ev('ok', { state: 'SUCCESS', task: 'fine' }));
    frame();
    const row = panel.row('bad')!;
    row.setExpanded(true);
    const debug = q(row.node, '.tc-Panel-debug');
    expect(debug.tagName).toBe('DETAILS');
    expect(q(debug, 'summary').textContent).toBe('Debug');
    const items = Object.fromEntries(
      [...debug.querySelectorAll('dt')].map((dt) => [dt.textContent, (dt.nextElementSibling as HTMLElement).textContent]),
    );
    expect(items).toEqual({
      Command: "sh -c 'exit 4' -- Ada",
      Image: 'taskcell-test/busybox:latest (sha256:0123)',
      'Exit code': '4',
      'Ran on': expect.stringMatching(/worker-a.*host node-1/),
      Environment: 'PATH=/bin\nAPI_TOKEN=***',
      'stderr (end)': 'no greeting for Ada',
      'Working directory kept': '/tmp/kept-1',
    });
    const ok = panel.row('ok')!;
    ok.setExpanded(true);
    expect(ok.node.querySelector('.tc-Panel-debug')).toBeNull();
    // Any failed job says where it ran, even when its error names nothing more.
    model.apply(ev('plain', { state: 'RUNNING', task: 'sum', place: { kind: 'thread', name: '2' } }));
    model.apply(ev('plain', { state: 'ERROR', error: { code: 'taskcell:task', message: 'boom', context: {} } as never }));
    frame();
    const plain = panel.row('plain')!;
    plain.setExpanded(true);
    expect([...plain.node.querySelectorAll('.tc-Panel-debug dt')].map((dt) => dt.textContent)).toEqual(['Ran on']);
  });

  it('filters by state and keeps the filter as jobs change', () => {
    const { model, panel, frame } = setup();
    model.apply(ev('ok', { state: 'SUCCESS' }));
    model.apply(ev('bad', { state: 'ERROR', error: { code: 'taskcell:task', message: 'boom' } as never }));
    model.apply(ev('run', { state: 'CONVERTING_INPUT' }));
    frame();
    const visible = (): string[] =>
      [...panel.node.querySelectorAll('.tc-Panel-list > .tc-Panel-row:not([hidden])')].map((r) => (r as HTMLElement).dataset.jobId!);
    panel.setFilter('ERROR');
    expect(visible()).toEqual(['bad']);
    panel.setFilter('RUNNING');
    expect(visible()).toEqual(['run']);
    panel.setFilter('active');
    expect(visible()).toEqual(['run']);
    model.apply(ev('run', { state: 'SUCCESS' }));
    frame();
    expect(visible()).toEqual([]);
    const select = q(panel.node, '.tc-Panel-filter') as HTMLSelectElement;
    select.value = 'SUCCESS';
    select.dispatchEvent(new Event('change'));
    expect(visible()).toEqual(['run', 'ok']);
    expect(q(panel.node, '.tc-Panel-count[data-kind="done"]').textContent).toBe('2 done');
    expect(q(panel.node, '.tc-Panel-count[data-kind="failed"]').textContent).toBe('1 failed');
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
    expect(panel.node.querySelectorAll('.tc-Panel-list > .tc-Panel-row')).toHaveLength(1000);
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

describe('TasksPanel in a notebook', () => {
  afterEach(() => {
    document.body.textContent = '';
  });

  function notebookPanel(): { model: TasksModel; panel: TasksPanel; frame: () => void; jumped: string[] } {
    const queue: Array<() => void> = [];
    let t = 1_000_000;
    const model = new TasksModel({ schedule: (cb) => queue.push(cb), now: () => t });
    const jumped: string[] = [];
    const panel = new TasksPanel({
      model,
      onCancel: () => undefined,
      onCancelAll: () => undefined,
      onOpenArtifact: () => undefined,
      onJumpToCell: (r) => jumped.push(`${r.source}#${r.cellId}`),
      now: () => (t += 100),
    });
    Widget.attach(panel, document.body);
    return { model, panel, jumped, frame: () => queue.splice(0).forEach((cb) => cb()) };
  }

  const shown = (panel: TasksPanel): string[] =>
    [...panel.node.querySelectorAll('.tc-Panel-list > .tc-Panel-row:not([hidden])')].map((r) => (r as HTMLElement).dataset.jobId!);

  it("lists the current notebook's jobs or every notebook's, with each job's notebook and a jump to its cell", () => {
    const { model, panel, frame, jumped } = notebookPanel();
    model.apply(ev('a', { state: 'RUNNING', task: 'in-a' }), 'dir/a.ipynb', 'cell-1');
    model.apply(ev('b', { state: 'RUNNING', task: 'in-b' }), 'b.ipynb', 'cell-9');
    frame();
    panel.setNotebook('dir/a.ipynb');
    expect(shown(panel)).toEqual(['a']);
    expect(panel.summary.running).toBe(1);
    const select = q(panel.node, '.tc-Panel-scope') as HTMLSelectElement;
    select.value = 'all';
    select.dispatchEvent(new Event('change'));
    expect(panel.scope).toBe('all');
    expect(shown(panel)).toEqual(['b', 'a']);
    expect(panel.summary.running).toBe(2);
    const a = panel.row('a')!.node;
    expect(q(a, '.tc-Panel-notebook').textContent).toBe('a.ipynb');
    expect(q(a, '.tc-Panel-notebook').title).toBe('dir/a.ipynb');
    const jump = q(a, '.tc-Panel-jump') as HTMLButtonElement;
    expect(jump.hidden).toBe(false);
    jump.click();
    expect(jumped).toEqual(['dir/a.ipynb#cell-1']);
    expect(panel.row('a')!.expanded).toBe(false);
    panel.setNotebook('b.ipynb');
    panel.setScope('notebook');
    expect(shown(panel)).toEqual(['b']);
  });

  it('shows the true place, a cache-hit badge, the whole name in its title, and no bar for a job that never reported progress', () => {
    const { model, panel, frame } = notebookPanel();
    const long = 'mean-word-length-of-every-sentence-in-the-corpus';
    model.apply(ev('py', { state: 'RUNNING', task: long, place: { kind: 'python', name: '/venv/bin/python', via: 'thread-2' } }));
    model.apply(ev('dk', { state: 'RUNNING', task: 'dk', place: { kind: 'container', name: 'busybox:1.36' } }));
    model.apply(ev('hit', { state: 'RUNNING', task: 'hit' }));
    model.apply(ev('hit', { kind: 'cache', cache: { hit: true, key: 'k' } }));
    model.apply(ev('hit', { state: 'SUCCESS', elapsed: 3 }));
    frame();
    const py = panel.row('py')!.node;
    expect(q(py, '.tc-Panel-place').textContent).toBe('python · thread 2');
    expect(q(py, '.tc-Panel-place').title).toBe('python · thread 2 (/venv/bin/python)');
    expect(q(py, '.tc-Panel-name').textContent).toBe(long);
    expect(q(py, '.tc-Panel-name').title.split('\n')[0]).toBe(long);
    expect(q(panel.row('dk')!.node, '.tc-Panel-place').textContent).toBe('docker busybox:1.36');
    const hit = panel.row('hit')!.node;
    expect((q(hit, '.tc-Panel-cached') as HTMLElement).hidden).toBe(false);
    expect((q(py, '.tc-Panel-cached') as HTMLElement).hidden).toBe(true);
    expect((q(hit, '.tc-Panel-progress') as HTMLElement).hidden).toBe(true);
    expect((q(py, '.tc-Panel-progress') as HTMLElement).hidden).toBe(false);
  });

  it('shows which attempt of a retried job runs, from its attempt events', () => {
    const { model, panel, frame } = setup();
    model.apply(ev('once', { state: 'RUNNING', task: 'once' }));
    model.apply(ev('r', { state: 'QUEUED', task: 'flaky' }));
    model.apply(ev('r', { kind: 'attempt', state: 'QUEUED', attempt: { n: 1, of: 4 } }));
    model.apply(ev('r', { state: 'RUNNING' }));
    frame();
    const row = panel.row('r')!.node;
    expect(q(row, '.tc-Panel-attempt').hidden).toBe(false);
    expect(q(row, '.tc-Panel-attempt').textContent).toBe('attempt 1 of 4');
    model.apply(ev('r', { state: 'QUEUED' }));
    model.apply(ev('r', { kind: 'attempt', state: 'QUEUED', attempt: { n: 2, of: 4, delay: 100 } }));
    model.apply(ev('r', { state: 'RUNNING' }));
    frame();
    expect(q(row, '.tc-Panel-attempt').textContent).toBe('attempt 2 of 4');
    expect(q(panel.row('once')!.node, '.tc-Panel-attempt').hidden).toBe(true);
  });

  it("draws a workflow's own history and outputs under its header, above its graph and steps", () => {
    const { model, panel, frame } = notebookPanel();
    for (const e of workflowEvents()) model.apply(e);
    model.apply(ev('wf', { kind: 'output', output: { port: 'total', type: 'number', format: 'number', preview: '3' } }));
    frame();
    const row = panel.row('wf')!;
    row.setExpanded(true);
    const details = q(row.node, '.tc-Panel-details');
    expect([...details.children].map((c) => c.className)).toEqual(['tc-Panel-parts', 'tc-Panel-dag', 'tc-Panel-steps']);
    expect(q(details, '.tc-Panel-parts .tc-Panel-outputs').textContent).toBe('total (number:number) = 3');
    expect(q(details, '.tc-Panel-parts .tc-Panel-history')).not.toBeNull();
  });

  it('counts queued, running, done and failed jobs and the jobs finished per second', () => {
    const { model, panel, frame } = notebookPanel();
    for (let i = 0; i < 10; i++) model.apply(ev(`j${i}`, { state: 'RUNNING' }));
    model.apply(ev('q', { state: 'QUEUED' }));
    frame();
    for (let i = 0; i < 5; i++) model.apply(ev(`j${i}`, { state: i === 0 ? 'ERROR' : 'SUCCESS', time: 1_000_000 }));
    frame();
    expect(panel.summary).toMatchObject({ queued: 1, running: 5, done: 4, failed: 1 });
    expect(panel.summary.perSecond).toBe(1);
    expect(q(panel.node, '.tc-Panel-rate').textContent).toBe('1.0 jobs/s');
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
