// Runs recorded in SQLite from the shell: a map on two real `taskcell worker` processes (real
// redis-server) appears in `taskcell runs list` with the workers that ran each item; show and compare.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IRunComparison, IRunRecord } from '@taskcell/core';
import { ROOT, startRedis } from './redis';
import type { IRedisServer } from './redis';
import { spawnWorker } from './workers';
import type { IWorkerProcess } from './workers';

const CLI = join(ROOT, 'kernel', 'bin', 'taskcell.js');
let redis: IRedisServer;
let workers: IWorkerProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  workers = await Promise.all(['runs-a', 'runs-b'].map((name) => spawnWorker(`${redis.url}?queue=runs`, name, ['--concurrency', '2'])));
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(workers.map((w) => w.stop()));
  await redis?.stop();
}, 30_000);

test('runs that remote workers ran reach the runs database through the pool; taskcell runs list, show and compare read it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-runs-cli-'));
  const db = join(dir, 'runs.db');
  const env = { ...process.env, TASKCELL_CACHE_DIR: join(dir, 'cache'), TASKCELL_RUNS_DB: db };
  const taskcell = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
  const spec = join(dir, 'square.json');
  writeFileSync(
    spec,
    JSON.stringify({
      name: 'square',
      mode: 'javascript',
      script: 'await new Promise((r) => setTimeout(r, 20)); y = x * x',
      inputs: [{ id: 'x', type: 'number', format: 'number' }],
      outputs: [{ id: 'y', type: 'number', format: 'number' }],
    }),
  );
  mkdirSync(join(dir, 'in'));
  const items = join(dir, 'in', 'xs.jsonl');
  writeFileSync(items, Array.from({ length: 12 }, (_, i) => String(i)).join('\n'));
  // Without the cache, so every item runs on a worker now.
  const mapped = taskcell(['map', spec, '--over', items, '--on', `${redis.url}?queue=runs`, '--no-cache']);
  expect(mapped.stderr).toMatch(/12 done, 0 failed, 0 cached, 0 cancelled of 12/);
  expect(mapped.status).toBe(0);

  const list = taskcell(['runs', 'list', '--json']);
  expect(list.status).toBe(0);
  const records = list.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as IRunRecord);
  const batch = records.filter((r) => r.kind === 'batch');
  expect(batch).toHaveLength(1);
  expect(batch[0]).toMatchObject({ task: 'map square', state: 'SUCCESS', outputs: { counts: { data: { total: 12, done: 12 } } } });
  const children = records.filter((r) => r.parentId === batch[0].id);
  expect(children).toHaveLength(12);
  for (const c of children) {
    expect(c).toMatchObject({ kind: 'task', task: 'square', state: 'SUCCESS', cached: false, place: { kind: 'remote' } });
    expect(c.outputs).toEqual({ y: { format: 'number', data: Number(c.step) ** 2 } });
    expect(c.specHash).toMatch(/^[0-9a-f]{64}$/);
    expect(c.inputHashes?.x).toMatch(/^[0-9a-f]{64}$/);
    expect(c.elapsed).toBeGreaterThanOrEqual(15);
  }
  expect(new Set(children.map((c) => c.place?.name))).toEqual(new Set(['runs-a', 'runs-b']));

  // Filters, and the plain listing names the worker of each item.
  const text = taskcell(['runs', 'list', '--task', 'square', '--state', 'success', '--since', '1h', '--parent', batch[0].id]);
  const lines = text.stdout.trim().split('\n');
  expect(lines).toHaveLength(12);
  expect(lines.every((l) => /\ttask\tsquare \[\d+\]\tSUCCESS\tremote:runs-[ab]\t\d+ ms\t/.test(l))).toBe(true);
  expect(taskcell(['runs', 'list', '--since', '2999-01-01']).stdout).toBe('');

  const [c3, c4] = ['3', '4'].map((step) => children.find((c) => c.step === step)!);
  const shown = taskcell(['runs', 'show', c3.id]);
  expect(JSON.parse(shown.stdout)).toEqual(c3);
  const cmp = JSON.parse(taskcell(['runs', 'compare', c3.id, c4.id]).stdout) as IRunComparison;
  expect(cmp).toMatchObject({
    sameSpec: true,
    sameCode: true,
    inputs: [{ port: 'x', a: { format: 'number', data: 3 }, b: { format: 'number', data: 4 }, same: false }],
    outputs: [{ port: 'y', a: { data: 9 }, b: { data: 16 }, same: false }],
    timing: { a: c3.elapsed, b: c4.elapsed },
  });
  const missing = taskcell(['runs', 'show', 'nope']);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/\[taskcell:store\] No run with id nope in .*runs\.db/);
  expect(taskcell(['runs', 'frob']).status).toBe(2);
}, 120_000);
