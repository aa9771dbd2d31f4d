import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotServedError, OptionError, SqliteRunStore, recordRuns, run, task, workflow } from '@taskcell/core';
import type { IJobEvent, RunRecorder, TaskJSON } from '@taskcell/core';
import { freshRunner } from './helpers';

/** Calls of each step's body, by step. */
const calls: Record<string, number> = {};
const counted = (name: string, k: number) =>
  task({ name, inputs: { x: 'number' }, outputs: { y: 'number' }, cache: false }, ({ x }) => {
    calls[name] = (calls[name] ?? 0) + 1;
    return x * k;
  });

/** a -> b -> c, and d beside them feeding output `z`. */
const wf = workflow('rerun chain')
  .step('a', counted('ta', 2))
  .step('b', counted('tb', 3))
  .step('c', counted('tc', 5))
  .step('d', counted('td', 7))
  .connect('a.y', 'b.x')
  .connect('b.y', 'c.x');

/** What each step did in a run: `run` (it ran), `record` or a cache layer (served), from its events. */
function howSteps(events: IJobEvent[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of events) {
    if (e.step === undefined) continue;
    if (e.kind === 'cache' && e.cache?.hit) out[e.step] = e.cache.from ?? 'cache';
    else if (e.kind === 'state' && e.state === 'SUCCESS') out[e.step] ??= 'run';
  }
  return out;
}

let recorder: RunRecorder | undefined;
beforeEach(() => {
  freshRunner();
  for (const k of Object.keys(calls)) delete calls[k];
});
afterEach(() => {
  recorder?.dispose();
  recorder = undefined;
});

test('from: a step and everything downstream run; the steps they need are served from the run records, as events say', async () => {
  recorder = recordRuns(freshRunner(), { path: join(mkdtempSync(join(tmpdir(), 'tc-rerun-')), 'runs.db') });
  const inputs = { 'a.x': 1, 'd.x': 1 };
  const first = await run(wf, inputs);
  expect(first.data).toEqual({ 'c.y': 30, 'd.y': 7 });
  expect(calls).toEqual({ ta: 1, tb: 1, tc: 1, td: 1 });

  const events: IJobEvent[] = [];
  const again = await run(wf, inputs, { from: 'b', onEvent: (e) => events.push(e) });
  expect(again.data).toEqual({ 'c.y': 30, 'd.y': 7 });
  // b and c ran again; a (needed by b) and d (feeding an output) were served from their records.
  expect(calls).toEqual({ ta: 1, tb: 2, tc: 2, td: 1 });
  expect(howSteps(events)).toEqual({ a: 'record', b: 'run', c: 'run', d: 'record' });
  const served = events.find((e) => e.step === 'a' && e.kind === 'cache')!;
  expect(recorder.store.get(served.cache!.key!)?.step).toBe('a');

  const only: IJobEvent[] = [];
  const one = await run(wf, inputs, { only: ['b'], onEvent: (e) => only.push(e) });
  // Only b ran; c, downstream of b but fed as before, was served from its record.
  expect(calls).toEqual({ ta: 1, tb: 3, tc: 2, td: 1 });
  expect(howSteps(only)).toEqual({ a: 'record', b: 'run', c: 'record', d: 'record' });
  expect(one.data).toEqual({ 'c.y': 30, 'd.y': 7 });
});

test('a step to serve that no record or cache holds is a NotServedError naming the step and its outputs', async () => {
  recorder = recordRuns(freshRunner(), { path: join(mkdtempSync(join(tmpdir(), 'tc-rerun-')), 'runs.db') });
  await run(wf, { 'a.x': 1, 'd.x': 1 });
  // Other inputs: nothing was recorded for a with x = 2.
  const err = await run(wf, { 'a.x': 2, 'd.x': 1 }, { from: 'c' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(NotServedError);
  expect((err as NotServedError).code).toBe('taskcell:not-served');
  expect((err as NotServedError).context.step).toBe('a');
  expect((err as NotServedError).message).toMatch(/Step "a" is not re-run, so its outputs \(y\) must be served/);
  expect(calls.tc).toBe(1);
});

test('without run records, the steps a re-run needs come from the result cache', async () => {
  const script = (name: string, k: number): TaskJSON => ({
    name,
    mode: 'javascript',
    script: `y = x * ${k}`,
    inputs: [{ id: 'x', type: 'number', format: 'number' }],
    outputs: [{ id: 'y', type: 'number', format: 'number' }],
  });
  const spec: TaskJSON = {
    name: 'cached chain',
    mode: 'workflow',
    inputs: [{ id: 'x', type: 'number', format: 'number' }],
    outputs: [{ id: 'y', type: 'number', format: 'number' }],
    steps: [
      { name: 'a', task: script('sa', 2) },
      { name: 'b', task: script('sb', 3) },
    ],
    connections: [
      { name: 'x', input_step: 'a', input: 'x' },
      { output_step: 'a', output: 'y', input_step: 'b', input: 'x' },
      { name: 'y', output_step: 'b', output: 'y' },
    ],
  };
  expect((await run(spec, { x: 1 })).data).toEqual({ y: 6 });
  const events: IJobEvent[] = [];
  expect((await run(spec, { x: 1 }, { only: ['b'], onEvent: (e) => events.push(e) })).data).toEqual({ y: 6 });
  expect(howSteps(events)).toEqual({ a: 'memory', b: 'run' });
  // A cache that does not hold the step is a NotServedError too.
  const err = await run(spec, { x: 5 }, { from: 'b' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(NotServedError);
  expect((err as NotServedError).context.step).toBe('a');
});

test('from and only name steps the workflow has', async () => {
  await expect(run(wf, { 'a.x': 1, 'd.x': 1 }, { from: 'nope' })).rejects.toThrow(
    /Workflow "rerun chain" has no step "nope" to run; its steps are: a, b, c, d/,
  );
  await expect(run(wf, { 'a.x': 1, 'd.x': 1 }, { from: 'a', only: ['b'] })).rejects.toBeInstanceOf(OptionError);
  await expect(run(wf, { 'a.x': 1, 'd.x': 1 }, { only: [] })).rejects.toThrow(/expected `only` to be a list of step names/);
  await expect(run(counted('single', 1), { x: 1 }, { from: 'a' })).rejects.toThrow(
    /`from` and `only` name steps of a workflow, but task "single" is a javascript task/,
  );
});

test('a run database made before records kept their spec gets the column, and keeps specs from then on', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tc-rerun-')), 'old.db');
  const { Database } = require('node-sqlite3-wasm') as { Database: new (p: string) => { exec(sql: string): void; close(): void } };
  const old = new Database(path);
  old.exec(
    'CREATE TABLE runs (id TEXT PRIMARY KEY, kind TEXT, task TEXT, parent_id TEXT, step TEXT, state TEXT, spec_hash TEXT, code_hash TEXT, ' +
      'input_hashes TEXT, inputs TEXT, outputs TEXT, cached INTEGER, started INTEGER, ended INTEGER, elapsed INTEGER, place TEXT, error TEXT, notebook TEXT, cell TEXT);' +
      "INSERT INTO runs (id, kind, state, started) VALUES ('before', 'task', 'SUCCESS', 1);",
  );
  old.close();
  const store = new SqliteRunStore({ path });
  store.put({ id: 'after', kind: 'task', state: 'SUCCESS', started: 2, spec: { name: 't', mode: 'javascript' } });
  expect(store.get('before')).toEqual({ id: 'before', kind: 'task', state: 'SUCCESS', started: 1 });
  expect(store.get('after')?.spec).toEqual({ name: 't', mode: 'javascript' });
  store.close();
});
