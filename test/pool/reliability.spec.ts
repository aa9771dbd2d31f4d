// At-least-once delivery, results recorded once: workers SIGKILLed mid-run, and a Redis restart.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, setRunner, task, run } from '@taskcell/core';
import type { Runner } from '@taskcell/core';
import { registerPools } from '@taskcell/pool';
import { startRedis } from './redis';
import type { IRedisServer } from './redis';
import { spawnWorker } from './workers';
import type { IWorkerProcess } from './workers';

const double = task({ name: 'double', inputs: { x: 'number', ms: 'number' }, outputs: { y: 'number' } }, ({ x, ms }) => {
  return new Promise<number>((r) => setTimeout(() => r(x * 2), ms));
});

/** Fast stall detection, so a killed worker's jobs come back within about a second. */
const FAST = ['--concurrency', '4', '--lock', '1000', '--stalled', '500', '--max-stalled', '1000', '--grace', '500'];

let runner: Runner;
beforeEach(() => {
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-reliability-')) });
  registerPools(runner);
  setRunner(runner);
});

/** Run n jobs; resolve with how many times each job id got a result. */
async function runMany(on: string, n: number, ms: number, prefix: string): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const jobId = `${prefix}-${i}`;
      const r = await run(double, { x: i, ms }, { on, cache: false, jobId });
      expect(r.data.y).toBe(i * 2);
      expect(r.jobId).toBe(jobId);
      seen.set(jobId, (seen.get(jobId) ?? 0) + 1);
      if (process.env.TC_DEBUG && seen.size % 100 === 0) process.stderr.write(`${seen.size}\n`);
    }),
  );
  return seen;
}

describe('the remote pool, reliably', () => {
  let redis: IRedisServer | undefined;
  let workers: IWorkerProcess[] = [];
  afterEach(async () => {
    await runner.close();
    await Promise.allSettled(workers.map((w) => w.kill9()));
    workers = [];
    await redis?.stop();
    redis = undefined;
  }, 30_000);

  test('1,000 jobs while a worker is SIGKILLed every 1.5 s and restarted: every result once', async () => {
    redis = await startRedis();
    const on = `${redis.url}?queue=chaos`;
    const names = ['w0', 'w1', 'w2'];
    workers = await Promise.all(names.map((n) => spawnWorker(on, n, FAST)));
    let kills = 0;
    let stop = false;
    const chaos = (async () => {
      for (let i = 0; !stop; i++) {
        await new Promise((r) => setTimeout(r, 1500));
        if (stop) break;
        const k = i % workers.length;
        await workers[k].kill9();
        kills++;
        workers[k] = await spawnWorker(on, names[k], FAST);
      }
    })();
    const t0 = Date.now();
    const seen = await runMany(on, 1000, 60, 'chaos');
    stop = true;
    await chaos;
    expect(seen.size).toBe(1000);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(Date.now() - t0).toBeLessThan(50_000);
  }, 60_000);

  test('a Redis restart mid-run is survived by the pool and its workers', async () => {
    redis = await startRedis({ persist: true });
    const on = `${redis.url}?queue=restart`;
    workers = await Promise.all(['r0', 'r1'].map((n) => spawnWorker(on, n, FAST)));
    const r = redis;
    const restart = new Promise<void>((res, rej) => setTimeout(() => r.restart(1000).then(res, rej), 700));
    const seen = await runMany(on, 400, 20, 'restart');
    await restart;
    expect(seen.size).toBe(400);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    // The workers rode it out: both still take jobs.
    expect(workers.every((w) => w.child.exitCode === null)).toBe(true);
    const after = await runMany(on, 20, 1, 'after');
    expect(after.size).toBe(20);
  }, 60_000);
});
