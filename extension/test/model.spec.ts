/**
 * @jest-environment jsdom
 */
import './dom-setup';
import { TasksModel } from '@taskcell/jupyterlab';
import { ev, workflowEvents } from './events';

/** A model whose batched notifications run when the test says. */
function manual(options: TasksModel.IOptions = {}): { model: TasksModel; frame: () => void; changes: TasksModel.IChange[] } {
  const queue: Array<() => void> = [];
  const model = new TasksModel({ schedule: (cb) => queue.push(cb), ...options });
  const changes: TasksModel.IChange[] = [];
  model.changed.connect((_, c) => changes.push(c));
  return { model, changes, frame: () => queue.splice(0).forEach((cb) => cb()) };
}

describe('TasksModel', () => {
  it('delivers a batch within 100 ms when the page draws no frames, once', async () => {
    const g = globalThis as Record<string, unknown>;
    const [raf, caf] = [g.requestAnimationFrame, g.cancelAnimationFrame];
    g.requestAnimationFrame = () => 1;
    g.cancelAnimationFrame = () => undefined;
    try {
      const model = new TasksModel();
      const changes: TasksModel.IChange[] = [];
      model.changed.connect((_, c) => changes.push(c));
      model.apply(ev('j', { state: 'RUNNING' }));
      model.apply(ev('k', { state: 'RUNNING' }));
      expect(changes).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 250));
      expect(changes).toHaveLength(1);
      expect([...changes[0].ids].sort()).toEqual(['j', 'k']);
    } finally {
      g.requestAnimationFrame = raf;
      g.cancelAnimationFrame = caf;
    }
  });

  it('folds a workflow and its steps: states, history, progress, logs, outputs, artifacts, DAG', () => {
    const { model } = manual();
    for (const e of workflowEvents()) model.apply(e, 'tour.ipynb');
    const wf = model.get('wf')!;
    expect(wf.state).toBe('RUNNING');
    expect(wf.place).toEqual({ kind: 'thread', name: '2' });
    expect(wf.source).toBe('tour.ipynb');
    expect(wf.dag?.steps).toEqual(['a', 'b', 'c']);
    expect(model.topLevel().map((r) => r.jobId)).toEqual(['wf']);
    expect(model.steps(wf).map((r) => r.step)).toEqual(['a', 'b']);
    expect(model.stepState(wf, 'a')).toBe('SUCCESS');
    expect(model.stepState(wf, 'b')).toBe('RUNNING');
    expect(model.stepState(wf, 'c')).toBe('INACTIVE');
    const a = model.get('a1')!;
    expect(a.history.map((h) => h.state)).toEqual(['QUEUED', 'RUNNING', 'SUCCESS']);
    expect(a.progress).toEqual({ current: 1, total: 4, message: 'row 1' });
    expect(a.logs).toEqual([
      { stream: 'stdout', line: 'hello' },
      { stream: 'stderr', line: 'careful' },
    ]);
    expect(a.artifacts[0].name).toBe('plot.png');
    expect(a.outputs[0].port).toBe('xs');
    expect(a.elapsed).toBe(120);
  });

  it('delivers a batch of events as one change per frame, with the ids that changed', () => {
    const { model, frame, changes } = manual();
    for (const e of workflowEvents()) model.apply(e);
    expect(changes).toHaveLength(0);
    frame();
    expect(changes).toHaveLength(1);
    expect(changes[0].structural).toBe(true);
    expect([...changes[0].ids].sort()).toEqual(['a1', 'b1', 'wf']);
    model.apply(ev('b1', { kind: 'progress', progress: { current: 2, total: 3 } }));
    model.apply(ev('b1', { kind: 'progress', progress: { current: 3, total: 3 } }));
    frame();
    expect(changes).toHaveLength(2);
    expect(changes[1]).toEqual({ ids: new Set(['b1']), structural: false });
  });

  it('does not let a late progress event undo a final state', () => {
    const { model } = manual();
    model.apply(ev('j', { state: 'CANCELED' }));
    model.apply(ev('j', { kind: 'progress', state: 'RUNNING', progress: { current: 1, total: 2 } }));
    expect(model.get('j')!.state).toBe('CANCELED');
  });

  it('keeps only the last log lines and the newest jobs', () => {
    const { model } = manual({ maxLogLines: 3, maxJobs: 2 });
    for (let i = 0; i < 5; i++) model.apply(ev('j', { kind: 'log', log: { stream: 'stdout', line: `l${i}` } }));
    expect(model.get('j')!.logs.map((l) => l.line)).toEqual(['l2', 'l3', 'l4']);
    model.apply(ev('k', { state: 'QUEUED' }));
    model.apply(ev('m', { state: 'QUEUED' }));
    expect(model.get('j')).toBeUndefined();
    expect(model.topLevel().map((r) => r.jobId)).toEqual(['m', 'k']);
  });

  it('marks unfinished jobs the kernel no longer knows as lost', () => {
    const { model } = manual();
    model.apply(ev('old', { state: 'RUNNING' }), 'a.ipynb');
    model.apply(ev('live', { state: 'RUNNING' }), 'a.ipynb');
    model.apply(ev('other', { state: 'RUNNING' }), 'b.ipynb');
    model.reconcile('a.ipynb', ['live']);
    expect(model.get('old')!.lost).toBe(true);
    expect(model.get('live')!.lost).toBeFalsy();
    expect(model.get('other')!.lost).toBeFalsy();
  });

  it('round-trips through JSON without overwriting live jobs, and clears finished jobs', () => {
    const { model } = manual();
    for (const e of workflowEvents()) model.apply(e, 'tour.ipynb');
    model.apply(ev('done', { state: 'SUCCESS', task: 'quick' }), 'tour.ipynb');
    const snapshot = JSON.parse(JSON.stringify(model.toJSON())) as TasksModel.ISnapshot;
    const { model: restored } = manual();
    restored.apply(ev('done', { state: 'RUNNING', task: 'quick' }));
    restored.restore(snapshot);
    expect(restored.get('done')!.state).toBe('RUNNING');
    expect(restored.get('wf')!.dag?.steps).toEqual(['a', 'b', 'c']);
    expect(restored.steps(restored.get('wf')!).map((r) => r.jobId)).toEqual(['a1', 'b1']);
    expect(restored.topLevel().map((r) => r.jobId)).toEqual(['done', 'wf']);
    restored.restore({ version: 2 } as unknown as TasksModel.ISnapshot);
    model.clearFinished();
    expect(model.get('done')).toBeUndefined();
    expect(model.get('wf')).toBeDefined();
  });
});
