// One cache key everywhere: the same function task with the same inputs gets the same result-cache
// key in the kernel's process, on a thread and on a real `taskcell worker` (each with an empty cache
// of its own, so every place computes and stores the result and reports the key it stored it under).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, run, setRunner, setTaskScope, task } from '@taskcell/core';
import type { IDisposable, IJobEvent, Runner, Task } from '@taskcell/core';
import { registerPools } from '@taskcell/pool';
import { startRedis } from './redis';
import type { IRedisServer } from './redis';
import { spawnWorker } from './workers';
import type { IWorkerProcess } from './workers';

const OFFSET = 7;
function scale(x: number): number {
  return x * 3;
}

/** A task that uses a helper and a constant of its "notebook" (the scope registered below). */
const scaled = task({ name: 'scaled', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => scale(x) + OFFSET);
/** A task that uses nothing outside itself. */
const plain = task({ name: 'plain', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x * 2);

let redis: IRedisServer;
let worker: IWorkerProcess;
let scope: IDisposable;
const runners: Runner[] = [];
const queue = () => `${redis.url}?queue=keys`;

beforeAll(async () => {
  const declared: Record<string, unknown> = { OFFSET, scale };
  scope = setTaskScope({ lookup: (name) => (name in declared ? { kind: 'value', value: declared[name] } : undefined) });
  redis = await startRedis();
  worker = await spawnWorker(queue(), 'keys', ['--concurrency', '2'], {
    ...process.env,
    TASKCELL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'tc-keys-worker-')),
  });
}, 60_000);

afterAll(async () => {
  scope?.dispose();
  await Promise.allSettled(runners.map((r) => r.close()));
  await worker?.stop();
  await redis?.stop();
}, 60_000);

/** Run on a fresh runner with an empty cache and return the key its cache event names. */
async function keyOf(t: Task<{ x: 'number' }, { y: 'number' }>, x: number, on: string | undefined): Promise<{ key: string; y: unknown }> {
  const runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-keys-')) });
  runners.push(runner);
  registerPools(runner);
  setRunner(runner);
  const events: IJobEvent[] = [];
  const r = await run(t, { x }, { on, onEvent: (e) => void events.push(e) });
  const cache = events.filter((e) => e.kind === 'cache').map((e) => e.cache!);
  expect(cache).toEqual([{ hit: false, key: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  return { key: cache[0].key!, y: r.data.y };
}

test.each([
  ['a task using notebook helpers', scaled, 5, 22],
  ['a self-contained task', plain, 5, 10],
])(
  '%s has one cache key in-process, on threads and on a remote worker',
  async (_what, t, x, y) => {
    const here = await keyOf(t, x, undefined);
    const thread = await keyOf(t, x, 'threads');
    const remote = await keyOf(t, x, queue());
    expect(here.y).toBe(y);
    expect(thread).toEqual(here);
    expect(remote).toEqual(here);
    // The key still tells tasks and inputs apart.
    expect((await keyOf(t, x + 1, 'threads')).key).not.toBe(here.key);
  },
  60_000,
);

test('the two tasks have different keys for the same input', async () => {
  expect((await keyOf(scaled, 1, undefined)).key).not.toBe((await keyOf(plain, 1, undefined)).key);
}, 30_000);
