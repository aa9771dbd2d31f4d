// One result store for every place: a 200-step workflow run in the test's process, then on two real
// `taskcell worker`s (each with an empty cache of its own) behind a real redis-server, runs no task
// the second time: every step is a hit the workers found in Redis, and the events say so.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, run, setRunner, task, workflow } from '@taskcell/core';
import type { IJobEvent, Runner } from '@taskcell/core';
import { registerPools, shareResults } from '@taskcell/pool';
import { startRedis } from './redis';
import type { IRedisServer } from './redis';
import { spawnWorker } from './workers';
import type { IWorkerProcess } from './workers';

const STEPS = 200;
const step = task({ name: 'step', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x + 1);

let redis: IRedisServer;
let workers: IWorkerProcess[] = [];
let runner: Runner;
const url = () => `${redis.url}?queue=shared`;

beforeAll(async () => {
  redis = await startRedis();
  workers = await Promise.all(
    ['shared-a', 'shared-b'].map((n) =>
      spawnWorker(url(), n, ['--concurrency', '2'], { ...process.env, TASKCELL_CACHE_DIR: mkdtempSync(join(tmpdir(), `tc-${n}-`)) }),
    ),
  );
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-shared-')) });
  registerPools(runner);
  setRunner(runner);
}, 60_000);

afterAll(async () => {
  await runner?.close();
  await Promise.allSettled(workers.map((w) => w.stop()));
  await redis?.stop();
}, 60_000);

/** The builder as a loop uses it: step names made at run time are beyond what its types check. */
interface IChainBuilder {
  step(name: string, t: typeof step): IChainBuilder;
  connect(from: string, to: string): IChainBuilder;
}

function chain(): ReturnType<typeof workflow> {
  let wf = workflow('chain') as unknown as IChainBuilder;
  for (let i = 0; i < STEPS; i++) wf = wf.step(`s${i}`, step);
  for (let i = 1; i < STEPS; i++) wf = wf.connect(`s${i - 1}.y`, `s${i}.x`);
  return wf as unknown as ReturnType<typeof workflow>;
}

test('a 200-step workflow run in-process, then on 2 remote workers, executes 0 tasks the second time', async () => {
  const wf = chain();
  const store = shareResults(runner, url());
  const first: IJobEvent[] = [];
  const a = await run(wf, { x: 0 }, { onEvent: (e) => void first.push(e) });
  expect(a.data).toEqual({ y: STEPS });
  const stored = first.filter((e) => e.kind === 'cache' && e.step !== undefined);
  expect(stored).toHaveLength(STEPS);
  expect(stored.every((e) => e.cache!.hit === false && e.cache!.key)).toBe(true);
  // Stores happen after the steps returned; wait for them before asking elsewhere.
  await store.flush();

  const second: IJobEvent[] = [];
  const b = await run(wf, { x: 0 }, { on: url(), onEvent: (e) => void second.push(e) });
  expect(b.data).toEqual({ y: STEPS });
  const cache = second.filter((e) => e.kind === 'cache' && e.step !== undefined);
  expect(cache).toHaveLength(STEPS);
  // All hits, found in Redis by the workers, and none computed.
  expect(cache.filter((e) => !e.cache!.hit)).toEqual([]);
  expect(new Set(cache.map((e) => e.cache!.from))).toEqual(new Set(['redis']));
  expect(new Set(cache.map((e) => e.place?.kind))).toEqual(new Set(['remote']));
  expect(new Set(cache.map((e) => e.place?.name)).size).toBe(2);
  // The same keys as in-process.
  expect(cache.map((e) => `${e.step}:${e.cache!.key}`).sort()).toEqual(stored.map((e) => `${e.step}:${e.cache!.key}`).sort());
}, 120_000);
