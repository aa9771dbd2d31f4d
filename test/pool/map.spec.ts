// map over a 1,000-file folder on threads and on two real `taskcell worker` processes (real
// redis-server): every item ends once, failures are kept, a re-run runs no item again; cancel stops a batch.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, mapOn, parseTask, setRunner, taskToJSON } from '@taskcell/core';
import type { IJobEvent, IMapItem, Runner } from '@taskcell/core';
import { registerPools } from '@taskcell/pool';
import { ROOT, startRedis } from './redis';
import type { IRedisServer } from './redis';
import { spawnWorker } from './workers';
import type { IWorkerProcess } from './workers';

const CLI = join(ROOT, 'kernel', 'bin', 'taskcell.js');
const N = 1000;
/** Every 100th file holds "bad": its item fails. */
const BAD = new Set(Array.from({ length: N / 100 }, (_, k) => k * 100 + 7));

let redis: IRedisServer;
let workers: IWorkerProcess[] = [];
let runner: Runner;
let folder: string;

const double = parseTask({
  name: 'double',
  mode: 'javascript',
  script: 'if (text.includes("bad")) throw new Error("bad item: " + text.trim()); n = Number(text) * 2',
  inputs: [{ id: 'text', type: 'string', format: 'text' }],
  outputs: [{ id: 'n', type: 'number', format: 'number' }],
});

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'tc-map-'));
  mkdirSync(join(folder, 'cases'));
  for (let i = 0; i < N; i++)
    writeFileSync(join(folder, 'cases', `case-${String(i).padStart(4, '0')}.txt`), BAD.has(i) ? 'bad' : String(i));
  writeFileSync(join(folder, 'cases', 'README.md'), 'not a case');
  redis = await startRedis();
  workers = await Promise.all(['map-a', 'map-b'].map((name) => spawnWorker(`${redis.url}?queue=map`, name, ['--concurrency', '8'])));
}, 60_000);

beforeEach(() => {
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-map-cache-')) });
  registerPools(runner);
  setRunner(runner);
});

afterEach(() => runner.close());

afterAll(async () => {
  await Promise.allSettled(workers.map((w) => w.stop()));
  await redis?.stop();
}, 30_000);

/** The final state events of each child job, by job id. */
function finals(events: IJobEvent[], batchId: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of events) {
    if (e.kind !== 'state' || e.parentId !== batchId || !['SUCCESS', 'ERROR', 'CANCELED'].includes(e.state!)) continue;
    out.set(e.jobId, [...(out.get(e.jobId) ?? []), e.state!]);
  }
  return out;
}

test.each([
  ['threads', () => 'threads', ['thread']],
  ['2 remote workers', () => `${redis.url}?queue=map`, ['remote']],
])(
  'map over a 1,000-file folder on %s: each item ends once, failures are kept, a re-run runs none again',
  async (_where, on, kinds) => {
    const events: IJobEvent[] = [];
    const progress: string[] = [];
    const first = await mapOn(
      runner,
      double,
      { folder: join(folder, 'cases'), glob: 'case-*.txt' },
      {
        on: on(),
        onEvent: (e) => {
          events.push(e);
          if (e.kind === 'progress' && e.jobId === `batch-${kinds[0]}`) progress.push(e.progress!.message!);
        },
        jobId: `batch-${kinds[0]}`,
      },
    );
    expect(first).toMatchObject({ state: 'SUCCESS', total: N, done: N - BAD.size, failed: BAD.size, cached: 0, canceled: 0 });
    expect(first.items.map((it) => it.item)).toEqual(Array.from({ length: N }, (_, i) => `case-${String(i).padStart(4, '0')}.txt`));
    for (const [i, it] of first.items.entries()) {
      if (BAD.has(i)) {
        expect(it).toMatchObject({ state: 'ERROR', cached: false });
        expect(it.error?.message).toMatch(/bad item: bad/);
      } else expect(it).toMatchObject({ state: 'SUCCESS', cached: false, outputs: { n: 2 * i } });
    }
    // Every child ended exactly once, as a child of the batch.
    const ends = finals(events, 'batch-' + kinds[0]);
    expect(ends.size).toBe(N);
    expect([...ends.values()].every((s) => s.length === 1)).toBe(true);
    // Where each ran: on the pool asked for, and on both remote workers when remote.
    const places = new Set(first.items.filter((it) => it.state === 'SUCCESS').map((it) => it.place?.kind));
    expect([...places]).toEqual(kinds);
    if (kinds[0] === 'remote') {
      expect(new Set(first.items.map((it) => it.place?.name).filter(Boolean))).toEqual(new Set(['map-a', 'map-b']));
    }
    expect(first.table.fields).toEqual(['item', 'state', 'n', 'cached', 'duration', 'place', 'error']);
    expect(first.table.rows[1]).toMatchObject({ item: 'case-0001.txt', state: 'SUCCESS', n: 2, cached: false });
    expect(progress.at(-1)).toBe(`${N - BAD.size} done, ${BAD.size} failed, 0 cached of ${N}`);

    // Resumable: the re-run takes every success from the first run and tries only the failures again.
    const rerunEvents: IJobEvent[] = [];
    const again = await mapOn(
      runner,
      double,
      { folder: join(folder, 'cases'), glob: 'case-*.txt' },
      { on: on(), onEvent: (e) => rerunEvents.push(e) },
    );
    expect(again).toMatchObject({ state: 'SUCCESS', total: N, done: 0, failed: BAD.size, cached: N - BAD.size });
    const ran = new Set(
      rerunEvents.filter((e) => e.kind === 'state' && e.state === 'RUNNING' && e.parentId === again.jobId).map((e) => e.step),
    );
    expect([...ran].sort()).toEqual([...BAD].map((i) => `case-${String(i).padStart(4, '0')}.txt`).sort());
    expect(again.items[1]).toMatchObject({ state: 'SUCCESS', cached: true, outputs: { n: 2 } });
  },
  240_000,
);

test('cancelling the batch stops it: no further item starts, the running ones end CANCELED, map resolves CANCELED', async () => {
  const slow = parseTask({
    name: 'slow',
    mode: 'javascript',
    script: 'await new Promise((r) => setTimeout(r, 40)); y = x',
    inputs: [{ id: 'x', type: 'number', format: 'number' }],
    outputs: [{ id: 'y', type: 'number', format: 'number' }],
  });
  const seen: IMapItem[] = [];
  const batchId = 'batch-cancel';
  const t0 = Date.now();
  const result = await mapOn(
    runner,
    slow,
    Array.from({ length: 500 }, (_, i) => i),
    {
      on: 'threads',
      concurrency: 4,
      jobId: batchId,
      onItem: (it) => {
        seen.push(it);
        if (seen.length === 20) expect(runner.cancel(batchId)).toBe(true);
      },
    },
  );
  expect(result.state).toBe('CANCELED');
  expect(result.done).toBeGreaterThanOrEqual(20);
  expect(result.done).toBeLessThan(40);
  expect(result.canceled).toBe(500 - result.done);
  expect(result.items.filter((it) => it.state === 'CANCELED' && it.attempts === 0).length).toBeGreaterThan(400);
  expect(Date.now() - t0).toBeLessThan(15_000);
  expect(runner.activeJobs()).toEqual([]);
  expect(runner.cancel(batchId)).toBe(false);
}, 60_000);

test('a table and a list feed their values; `as` names the input; bad options are typed errors', async () => {
  const add = parseTask({
    name: 'add',
    mode: 'javascript',
    script: 'z = x + y',
    inputs: [
      { id: 'x', type: 'number', format: 'number' },
      { id: 'y', type: 'number', format: 'number' },
    ],
    outputs: [{ id: 'z', type: 'number', format: 'number' }],
  });
  const rows = await mapOn(runner, add, { fields: ['x'], rows: [{ x: 1 }, { x: 2 }] }, { inputs: { y: 10 } });
  expect(rows.items.map((it) => it.outputs)).toEqual([{ z: 11 }, { z: 12 }]);
  const list = await mapOn(runner, add, [5, 6], { as: 'y', inputs: { x: 1 }, retries: 1 });
  expect(list.table.rows.map((r) => r.z)).toEqual([6, 7]);
  await expect(mapOn(runner, add, [1], {})).rejects.toThrow(/one input left for the items to feed, got x, y; name it with `as`/);
  await expect(mapOn(runner, add, [1], { as: 'w' })).rejects.toThrow(/Expected `as` to name an input of task "add" \(x, y\), got "w"/);
  await expect(mapOn(runner, add, [1], { as: 'x', concurrency: 0 })).rejects.toThrow(
    /Expected `concurrency` to be an integer >= 1, got `0`/,
  );
  await expect(mapOn(runner, add, join(folder, 'missing'), { as: 'x' })).rejects.toThrow(/Expected a dataset folder or table file at/);
}, 60_000);

test('taskcell map prints one JSON line per item, over a folder on the remote workers and over a JSON-lines file, and resumes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-map-cli-'));
  const spec = join(dir, 'double.json');
  writeFileSync(spec, JSON.stringify(taskToJSON(double)));
  const cases = join(dir, 'cases');
  mkdirSync(cases);
  for (const [name, text] of [
    ['a.txt', '1'],
    ['b.txt', 'bad'],
    ['c.txt', '3'],
    ['skip.md', '9'],
  ]) {
    writeFileSync(join(cases, name), text);
  }
  const env = { ...process.env, TASKCELL_CACHE_DIR: join(dir, 'cache') };
  const taskcell = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
  const lines = (out: string) =>
    out
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { item: unknown; state: string; cached: boolean; outputs: Record<string, unknown>; error?: { code: string } },
      )
      .sort((x, y) => String(x.item).localeCompare(String(y.item)));

  const r = taskcell(['map', spec, '--over', cases, '--glob', '*.txt', '--on', `${redis.url}?queue=map`]);
  expect(r.status).toBe(1);
  expect(lines(r.stdout)).toEqual([
    { item: 'a.txt', state: 'SUCCESS', cached: false, outputs: { n: 2 } },
    {
      item: 'b.txt',
      state: 'ERROR',
      cached: false,
      outputs: {},
      error: { code: 'taskcell:task', message: expect.stringMatching(/bad item: bad/) },
    },
    { item: 'c.txt', state: 'SUCCESS', cached: false, outputs: { n: 6 } },
  ]);
  expect(r.stderr).toMatch(/2 done, 1 failed, 0 cached, 0 cancelled of 3/);
  const again = taskcell(['map', spec, '--over', cases, '--glob', '*.txt', '--on', `${redis.url}?queue=map`]);
  expect(lines(again.stdout).map((l) => [l.item, l.state, l.cached])).toEqual([
    ['a.txt', 'SUCCESS', true],
    ['b.txt', 'ERROR', false],
    ['c.txt', 'SUCCESS', true],
  ]);

  // A CSV cell that reads as a number would not be a string: these rows come as JSON lines.
  const jsonl = join(dir, 'cases.jsonl');
  writeFileSync(jsonl, '"4"\n"5"\n');
  const t = taskcell(['map', spec, '--over', jsonl, '--as', 'text', '--concurrency', '1']);
  expect(t.status).toBe(0);
  expect(lines(t.stdout)).toEqual([
    { item: 0, state: 'SUCCESS', cached: false, outputs: { n: 8 } },
    { item: 1, state: 'SUCCESS', cached: false, outputs: { n: 10 } },
  ]);
  const bad = taskcell(['map', spec, '--over', jsonl, '--concurrency', '0']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/Expected --concurrency to be an integer >= 1, got `0`/);
}, 120_000);

test('map runs a workflow with a python step per item, and its steps are children of each item', async () => {
  const wf = parseTask({
    name: 'double then square',
    mode: 'workflow',
    inputs: [{ id: 'x', type: 'number', format: 'number' }],
    outputs: [{ id: 'y', type: 'number', format: 'number' }],
    steps: [
      {
        name: 'double',
        task: {
          mode: 'javascript',
          script: 'd = x * 2',
          inputs: [{ id: 'x', type: 'number', format: 'number' }],
          outputs: [{ id: 'd', type: 'number', format: 'number' }],
        },
      },
      {
        name: 'square',
        task: {
          mode: 'python',
          script: 'y = d * d',
          inputs: [{ id: 'd', type: 'number', format: 'number' }],
          outputs: [{ id: 'y', type: 'number', format: 'number' }],
        },
      },
    ],
    connections: [
      { name: 'x', input: 'x', input_step: 'double' },
      { output_step: 'double', output: 'd', input_step: 'square', input: 'd' },
      { name: 'y', output_step: 'square', output: 'y' },
    ],
  });
  const events: IJobEvent[] = [];
  const r = await mapOn(runner, wf, [1, 2, 3], { onEvent: (e) => events.push(e), jobId: 'wf-batch', on: 'threads' });
  expect(r.items.map((it) => [it.state, it.outputs?.y])).toEqual([
    ['SUCCESS', 4],
    ['SUCCESS', 16],
    ['SUCCESS', 36],
  ]);
  // Each item is a workflow job under the batch; its steps are jobs under the item.
  const stepParents = new Set(events.filter((e) => e.step === 'square' && e.kind === 'state').map((e) => e.parentId));
  expect([...stepParents].sort()).toEqual(['wf-batch-0', 'wf-batch-1', 'wf-batch-2']);
}, 60_000);
