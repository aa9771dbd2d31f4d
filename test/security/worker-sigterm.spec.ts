// A `taskcell worker` stops within its grace period after one SIGTERM even when its Redis has gone:
// orchestrators send SIGTERM once, then SIGKILL.
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { RemotePool } from '@taskcell/pool';
import { createRunner, parseTask } from '@taskcell/core';
import { startRedis } from '../pool/redis';
import type { IRedisServer } from '../pool/redis';
import { spawnWorker } from '../pool/workers';
import type { IWorkerProcess } from '../pool/workers';
import { scriptTask } from './script-task';

const SLOW = scriptTask('slow', 'await new Promise((r) => setTimeout(r, 60000)); y = 1', {}, { y: 'number' });

let redis: IRedisServer;
let worker: IWorkerProcess | undefined;
let pool: RemotePool | undefined;

afterAll(async () => {
  await worker?.kill9();
  await pool?.close();
  await redis?.stop();
});

test('SIGTERM with Redis stopped: the worker exits within --grace and says which job it could not hand back', async () => {
  redis = await startRedis();
  const url = `${redis.url}?queue=sigterm`;
  worker = await spawnWorker(url, 'sigterm-worker', ['--grace', '3000']);
  pool = new RemotePool({ url });
  const runner = createRunner({ cacheDir: join(mkdtempSync(join(tmpdir(), 'tc-sigterm-')), 'cache') });
  runner.registerPool('redis', () => pool!);
  void runner.execute(parseTask(SLOW), {}, { on: url, cache: false, jobId: 'slow-job' }).catch(() => undefined);
  const until = Date.now() + 10_000;
  // The job is in the worker's hands once the registry of live workers says so.
  while (!(await pool.workers()).some((w) => w.running.includes('slow-job')) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
  }
  // The client is done once the worker has the job; it leaves while Redis still answers.
  await pool.close();
  await redis.stop();
  const t0 = Date.now();
  const code = await worker.stop();
  const ms = Date.now() - t0;
  expect(ms).toBeLessThan(3000 + 500);
  expect(code).toBe(1);
  expect(worker.stderr()).toMatch(
    /Redis did not answer within the grace period of 3000 ms; 1 running job\(s\) not handed back \(slow-job\)/,
  );
}, 60_000);
