import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteRunStore, compareRuns, map, parseTask, recordRuns, run, runRecord, runs, task, workflow } from '@taskcell/core';
import type { IRunRecord } from '@taskcell/core';
import { freshRunner } from './helpers';

const dir = () => mkdtempSync(join(tmpdir(), 'tc-runs-'));

test('the SQLite store merges records by id, filters by task, state and since, and survives reopening', () => {
  const path = join(dir(), 'runs.db');
  const store = new SqliteRunStore({ path });
  store.put({ id: 'a', kind: 'batch', task: 't', state: 'QUEUED', started: 2000 });
  store.put({ id: 'a', kind: 'task', state: 'RUNNING', started: 2500, place: { kind: 'thread', name: '1' } });
  store.flush();
  store.put({ id: 'a', state: 'SUCCESS', ended: 3000, elapsed: 1000, outputs: { y: { format: 'number', data: 2 } } });
  store.put({
    id: 'b',
    kind: 'task',
    task: 'u',
    state: 'ERROR',
    started: 1000,
    error: { name: 'TaskError', code: 'taskcell:task', message: 'no', context: {} },
  });
  store.close();
  store.close();
  const again = new SqliteRunStore({ path, readOnly: true });
  try {
    expect(again.get('a')).toEqual({
      id: 'a',
      kind: 'batch',
      task: 't',
      state: 'SUCCESS',
      started: 2000,
      ended: 3000,
      elapsed: 1000,
      place: { kind: 'thread', name: '1' },
      outputs: { y: { format: 'number', data: 2 } },
    });
    expect(again.list().map((r) => r.id)).toEqual(['a', 'b']);
    expect(again.list({ task: 'u' }).map((r) => r.id)).toEqual(['b']);
    expect(again.list({ state: 'SUCCESS' }).map((r) => r.id)).toEqual(['a']);
    expect(again.list({ since: new Date(1500) }).map((r) => r.id)).toEqual(['a']);
    expect(again.list({ limit: 1 }).map((r) => r.id)).toEqual(['a']);
  } finally {
    again.close();
  }
  expect(() => new SqliteRunStore({ path: join(dir(), 'none.db'), readOnly: true })).toThrow(/Cannot open the run database .*none\.db/);
});

test('a lock left by a process that died is cleared when it is old, and kept while it may be live', () => {
  const path = join(dir(), 'runs.db');
  new SqliteRunStore({ path }).close();
  mkdirSync(`${path}.lock`);
  // Held by a live process (a fresh lock): the store waits its busy timeout, then says so.
  expect(() => new SqliteRunStore({ path })).toThrow(/Cannot open the run database .*runs\.db: database is locked/);
  const old = new Date(Date.now() - 120_000);
  utimesSync(`${path}.lock`, old, old);
  const store = new SqliteRunStore({ path });
  store.put({ id: 'y', kind: 'task', state: 'SUCCESS', started: 1 });
  store.close();
  expect(runs({ path }).map((r) => r.id)).toEqual(['y']);
});

test('run records are written at >= 5,000 a second in batched transactions', () => {
  const store = new SqliteRunStore({ path: join(dir(), 'runs.db') });
  const N = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    store.put({
      id: `job-${i}`,
      kind: 'task',
      task: 'bench',
      state: 'SUCCESS',
      started: i,
      ended: i + 1,
      elapsed: 1,
      outputs: { y: { format: 'number', data: i } },
    });
    if (i % 1000 === 999) store.flush();
  }
  store.flush();
  const perSecond = N / ((performance.now() - t0) / 1000);
  expect(store.list({ limit: 1 })[0].id).toBe(`job-${N - 1}`);
  store.close();
  expect(perSecond).toBeGreaterThanOrEqual(5000);
});

test('every run() is recorded with spec, code and input hashes, outputs inline or as a file, state and timings; runs() filters them', async () => {
  const runner = freshRunner();
  const path = join(dir(), 'runs.db');
  const recorder = recordRuns(runner, { path });
  recorder.context = { notebook: 'challenge.ipynb', cell: 'cell-1' };
  try {
    const inc = parseTask({
      name: 'inc',
      mode: 'javascript',
      script: 'if (x < 0) throw new Error("negative"); y = x + 1; big = "z".repeat(x)',
      inputs: [{ id: 'x', type: 'number', format: 'number' }],
      outputs: [
        { id: 'y', type: 'number', format: 'number' },
        { id: 'big', type: 'string', format: 'text' },
      ],
    });
    const before = Date.now();
    const small = await run(inc, { x: 1 });
    const large = await run(inc, { x: 20_000 });
    await expect(run(inc, { x: -1 })).rejects.toThrow(/negative/);
    const all = runs({ task: 'inc' });
    expect(all.map((r) => r.state).sort()).toEqual(['ERROR', 'SUCCESS', 'SUCCESS']);
    const a = runRecord(small.jobId)!;
    const b = runRecord(large.jobId)!;
    expect(a).toMatchObject({
      kind: 'task',
      task: 'inc',
      state: 'SUCCESS',
      notebook: 'challenge.ipynb',
      cell: 'cell-1',
      inputs: { x: 1 },
      outputs: { y: { format: 'number', data: 2 }, big: { format: 'text', data: 'z' } },
      place: { kind: 'in-process' },
    });
    expect(a.specHash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.specHash).toBe(b.specHash);
    expect(a.inputHashes!.x).not.toBe(b.inputHashes!.x);
    expect(a.started).toBeGreaterThanOrEqual(before);
    expect(a.ended! - a.started).toBeGreaterThanOrEqual(0);
    expect(a.elapsed).toBeGreaterThanOrEqual(0);
    const bigOut = b.outputs!.big as { artifact: string; size: number };
    expect(bigOut.size).toBe(20_002);
    expect(JSON.parse(readFileSync(bigOut.artifact, 'utf8'))).toBe('z'.repeat(20_000));
    const failed = runs({ state: 'ERROR' });
    expect(failed).toHaveLength(1);
    expect(failed[0].error).toMatchObject({ code: 'taskcell:task', message: expect.stringMatching(/negative/) });
    expect(runs({ since: Date.now() + 60_000 })).toEqual([]);

    const cmp = compareRuns(a, b);
    expect(cmp).toMatchObject({ sameSpec: true, sameCode: true, inputs: [{ port: 'x', a: 1, b: 20_000, same: false }] });
    expect(cmp.outputs.map((o) => [o.port, o.same])).toEqual([
      ['big', false],
      ['y', false],
    ]);
    expect(compareRuns(a, a).outputs.every((o) => o.same)).toBe(true);
    expect(cmp.timing.a).toBe(a.elapsed);
  } finally {
    recorder.dispose();
    await runner.close();
  }
  expect(existsSync(path)).toBe(true);
  // Closed: read from the file.
  expect(runs({ path, task: 'inc' }).map((r: IRunRecord) => r.task)).toEqual(['inc', 'inc', 'inc']);
});

test("a workflow's steps and a map's items carry the notebook and cell of the run they belong to, even when they end after another cell started", async () => {
  const runner = freshRunner();
  const recorder = recordRuns(runner, { path: join(dir(), 'runs.db') });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow = task({ name: 'slow', inputs: { x: 'number' }, outputs: { y: 'number' } }, async ({ x }) => {
    await gate;
    return x + 1;
  });
  try {
    recorder.context = { notebook: 'loop.ipynb', cell: 'cell-wf' };
    const wf = run(workflow().step('a', slow).step('b', slow).connect('a.y', 'b.x'), { x: 1 }, { cache: false });
    recorder.context = { notebook: 'loop.ipynb', cell: 'cell-map' };
    const batch = map(slow, [1, 2, 3], { cache: false });
    // Another cell runs before any step or item ends.
    recorder.context = { notebook: 'loop.ipynb', cell: 'cell-later' };
    release();
    const [w, m] = await Promise.all([wf, batch]);
    const children = (parent: string) => runs({}).filter((r) => r.parentId === parent);
    const steps = children(w.jobId);
    expect(steps.map((r) => r.step).sort()).toEqual(['a', 'b']);
    for (const r of steps) expect(r).toMatchObject({ notebook: 'loop.ipynb', cell: 'cell-wf' });
    expect(runRecord(w.jobId)).toMatchObject({ notebook: 'loop.ipynb', cell: 'cell-wf' });
    const items = children(m.jobId);
    expect(items).toHaveLength(3);
    for (const r of items) expect(r).toMatchObject({ notebook: 'loop.ipynb', cell: 'cell-map' });
  } finally {
    recorder.dispose();
    await runner.close();
  }
});
