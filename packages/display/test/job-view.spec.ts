import type { IJobEvent } from '@taskcell/core';
import {
  JobEventQueue,
  MIME,
  applyJobEvent,
  createJobRecord,
  createJobView,
  describePlace,
  foldJobEvent,
  formatElapsed,
  formatPlace,
  formatProgress,
  isFinalState,
  jobViewBundle,
  progressPercent,
  tableBundle,
} from '@taskcell/display';
import type { IJobCard } from '@taskcell/display';

const ev = (jobId: string, fields: Partial<IJobEvent>): IJobEvent => ({ v: 1, kind: 'state', jobId, time: 1, ...fields });

describe('the job-event fold', () => {
  it('folds state, progress, place, cache, logs, artifacts, outputs and the DAG into one record', () => {
    const r = createJobRecord('j', 5);
    expect(foldJobEvent(r, ev('j', { state: 'QUEUED', task: 'count', time: 10 }))).toBe(true);
    expect(foldJobEvent(r, ev('j', { state: 'RUNNING', place: { kind: 'thread', name: '3' }, time: 11 }))).toBe(true);
    expect(foldJobEvent(r, ev('j', { kind: 'progress', progress: { current: 2, total: 4 }, time: 12 }))).toBe(false);
    foldJobEvent(r, ev('j', { kind: 'cache', cache: { hit: false, skipped: 'captures x' } }));
    foldJobEvent(r, ev('j', { kind: 'artifact', artifact: { name: 'a', path: '/a' } }));
    foldJobEvent(r, ev('j', { kind: 'output', output: { port: 'n', type: 'number', format: 'number', preview: '4' } }));
    foldJobEvent(r, ev('j', { dag: { steps: ['a'], edges: [] } }));
    for (let i = 0; i < 5; i++) foldJobEvent(r, ev('j', { kind: 'log', log: { stream: 'stdout', line: `l${i}` } }), { maxLogLines: 3 });
    expect(r).toMatchObject({
      task: 'count',
      state: 'RUNNING',
      started: 5,
      progress: { current: 2, total: 4 },
      place: { kind: 'thread', name: '3' },
      cached: false,
      artifacts: [{ name: 'a', path: '/a' }],
      outputs: [{ port: 'n', preview: '4' }],
      dag: { steps: ['a'], edges: [] },
    });
    expect(r.logs.map((l) => l.line)).toEqual(['l2', 'l3', 'l4']);
    expect(r.history.map((h) => h.state)).toEqual(['QUEUED', 'RUNNING']);
  });

  it('keeps a final state against late non-state events, and records the error and elapsed time', () => {
    const r = createJobRecord('j', 0);
    foldJobEvent(
      r,
      ev('j', { state: 'ERROR', elapsed: 42, error: { code: 'taskcell:task', message: 'boom', name: 'TaskError' } as never }),
    );
    expect(foldJobEvent(r, ev('j', { kind: 'progress', state: 'RUNNING', progress: { current: 9, total: 9 } }))).toBe(false);
    expect(r).toMatchObject({ state: 'ERROR', elapsed: 42, error: 'taskcell:task: boom' });
  });

  it("takes a failed job's Debug fields from its error's context and causes, and nothing from an error without them", () => {
    const r = createJobRecord('j', 0);
    const context = {
      commandLine: "sh -c 'exit 4'",
      image: 'busybox',
      imageDigest: 'sha256:abc',
      exitCode: 4,
      env: ['PATH=/bin', 'API_TOKEN=***'],
      host: 'node-1',
      stderr: 'no greeting',
    };
    foldJobEvent(
      r,
      ev('j', {
        state: 'ERROR',
        error: {
          code: 'taskcell:task',
          message: 'outer',
          name: 'TaskError',
          context: { workdir: '/tmp/kept' },
          cause: { code: 'taskcell:container-exit', message: 'exit 4', name: 'ContainerExitError', context },
        } as never,
      }),
    );
    expect(r.debug).toEqual({ ...context, workdir: '/tmp/kept' });
    const plain = createJobRecord('k', 0);
    foldJobEvent(
      plain,
      ev('k', { state: 'ERROR', error: { code: 'taskcell:task', message: 'boom', name: 'TaskError', context: { task: 't' } } as never }),
    );
    expect(plain.debug).toBeUndefined();
  });

  it("folds a workflow's step states into its view, and a step's late event does not undo its end", () => {
    const view = createJobView('w', 'flow');
    applyJobEvent(view, ev('w', { state: 'RUNNING', dag: { steps: ['a', 'b'], edges: [['a', 'b']] } }));
    expect(view.steps).toEqual({ a: 'INACTIVE', b: 'INACTIVE' });
    applyJobEvent(view, ev('a1', { parentId: 'w', step: 'a', state: 'SUCCESS' }));
    applyJobEvent(view, ev('a1', { parentId: 'w', step: 'a', kind: 'log', state: 'RUNNING' }));
    applyJobEvent(view, ev('b1', { parentId: 'w', step: 'b', state: 'RUNNING' }));
    expect(view.steps).toEqual({ a: 'SUCCESS', b: 'RUNNING' });
    expect(view.state).toBe('RUNNING');
  });
});

describe('the job-event queue', () => {
  it('folds into a view what applyJobEvent folds, keeping of each step only its latest state', () => {
    const events = [
      ev('w', { state: 'RUNNING', dag: { steps: ['a', 'b', 'c'], edges: [] } }),
      ev('a1', { parentId: 'w', step: 'a', state: 'RUNNING' }),
      ev('a1', { parentId: 'w', step: 'a', kind: 'output', output: { port: 'x', type: 'number', format: 'number' } }),
      ev('a1', { parentId: 'w', step: 'a', state: 'SUCCESS' }),
      ev('b1', { parentId: 'w', step: 'b', state: 'RUNNING' }),
      ev('w', { kind: 'progress', progress: { current: 1, total: 3 } }),
    ];
    const direct = createJobView('w', 'flow', 0);
    for (const e of events) applyJobEvent(direct, e);
    const queued = createJobView('w', 'flow', 0);
    const queue = new JobEventQueue();
    for (const e of events) queue.push(queued, e);
    expect(queued.state).toBe('INACTIVE');
    expect(queue.foldInto(queued)).toEqual(direct);
    expect(queued.steps).toEqual({ a: 'SUCCESS', b: 'RUNNING', c: 'INACTIVE' });
    // Emptied: folding again changes nothing; with ownOnly the steps' states are dropped.
    queue.push(queued, ev('c1', { parentId: 'w', step: 'c', state: 'RUNNING' }));
    queue.push(queued, ev('w', { state: 'SUCCESS', elapsed: 5 }));
    queue.foldInto(queued, true);
    expect(queued).toMatchObject({ state: 'SUCCESS', elapsed: 5, steps: { c: 'INACTIVE' } });
  });
});

describe('job view helpers', () => {
  it('says which states are final', () => {
    expect(['SUCCESS', 'ERROR', 'CANCELED'].map(isFinalState)).toEqual([true, true, true]);
    expect(['RUNNING', 'CANCELING', 'QUEUED', undefined].map(isFinalState)).toEqual([false, false, false, false]);
  });

  it('clamps progress to 0..100 and has none without a total', () => {
    expect(progressPercent({ current: 1, total: 4 })).toBe(25);
    expect(progressPercent({ current: 9, total: 4 })).toBe(100);
    expect(progressPercent({ current: -3, total: 4 })).toBe(0);
    expect(progressPercent({ current: 1, total: 0 })).toBeUndefined();
    expect(progressPercent(undefined)).toBeUndefined();
    expect(formatProgress({ current: 1, total: 4, message: 'reading' })).toBe('1/4 reading');
    expect(formatProgress({ current: 0, total: 0, message: 'waiting' })).toBe('waiting');
  });

  it('formats elapsed time and places one way', () => {
    expect([850, 12_345, 245_000, -1, Number.NaN, undefined].map(formatElapsed)).toEqual(['850 ms', '12.3 s', '4 min 05 s', '', '', '']);
    expect(formatPlace({ kind: 'thread', name: '2' })).toBe('thread 2');
    expect(formatPlace({ kind: 'thread', name: 'thread-3' })).toBe('thread 3');
    expect(formatPlace({ kind: 'thread', name: 'threads' })).toBe('threads');
    expect(formatPlace({ kind: 'python', name: '/usr/bin/python3', via: 'thread-2' })).toBe('python · thread 2');
    expect(formatPlace({ kind: 'container', name: 'busybox:1.36' })).toBe('docker busybox:1.36');
    expect(formatPlace({ kind: 'remote', name: 'worker-a' })).toBe('remote worker-a');
    expect(describePlace({ kind: 'python', name: '/usr/bin/python3' })).toBe('python (/usr/bin/python3)');
    expect(formatPlace({ kind: 'r', name: 'Rscript', via: 'worker-b' })).toBe('R · remote worker-b');
    expect(describePlace({ kind: 'r', name: '/usr/bin/Rscript' })).toBe('R (/usr/bin/Rscript)');
    expect(formatPlace({ kind: 'container' })).toBe('docker');
    expect(formatPlace(undefined)).toBe('');
  });
});

describe('job cards', () => {
  it("carry each output's bundle and show them in the HTML and text fallbacks", () => {
    const view = createJobView('j', 'count');
    applyJobEvent(view, ev('j', { state: 'RUNNING' }));
    applyJobEvent(view, ev('j', { state: 'SUCCESS', elapsed: 1500 }));
    const card: IJobCard = {
      ...view,
      where: 'threads',
      cached: true,
      results: [{ port: 'rows', type: 'table', format: 'csv', data: tableBundle({ fields: ['a'], rows: [{ a: 1 }] }) }],
    };
    const b = jobViewBundle(card);
    expect(Object.keys(b)).toEqual([MIME.job, MIME.html, MIME.plain]);
    expect((b[MIME.job] as IJobCard).results?.[0].data[MIME.table]).toEqual({ fields: ['a'], rows: [{ a: 1 }] });
    expect(b[MIME.plain]).toBe('count [SUCCESS] (threads, 1.5 s, cached)\nrows (table:csv):\n  a\n  -\n  1');
    expect(b[MIME.html]).toContain('<h4>rows (table:csv)</h4><table class="tc-table">');
  });

  it('list at most twenty steps by name in the fallbacks and count the rest by state', () => {
    const view = createJobView('w', 'many');
    for (let i = 0; i < 1000; i++) view.steps[`s${i}`] = i < 990 ? 'SUCCESS' : 'RUNNING';
    const bundle = jobViewBundle(view);
    const text = String(bundle[MIME.plain]).split('\n');
    expect(text).toHaveLength(22);
    expect(text[21]).toBe('  and 980 more: 970 SUCCESS, 10 RUNNING');
    // The card's JSON too: a live card of a thousand steps stays small.
    const json = bundle[MIME.job] as IJobCard;
    expect(Object.keys(json.steps)).toHaveLength(20);
    expect(json.moreSteps).toBe('and 980 more: 970 SUCCESS, 10 RUNNING');
    expect(JSON.stringify(json).length).toBeLessThan(2000);
  });
});
