// Retries and time limits where jobs leave this process: on threads (the thread's runner retries)
// and on a remote pool with a real redis-server and a real `taskcell worker` (BullMQ's own attempts
// and backoff run each attempt).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job as BullJob } from 'bullmq';
import { TimeoutError, WorkflowError, createRunner, run, setRunner, task, workflow } from '@taskcell/core';
import type { Runner, TaskcellError } from '@taskcell/core';
import { registerPools } from '@taskcell/pool';
import { SPIN, attemptGaps, flakyCounter, flakySpec, runFlaky } from '../../packages/core/test/run-control';
import { bullQueue, startRedis } from './redis';
import type { IRedisServer } from './redis';
import { spawnWorker } from './workers';
import type { IWorkerProcess } from './workers';

let redis: IRedisServer;
let worker: IWorkerProcess;
let runner: Runner;
const QUEUE = 'retries';

beforeAll(async () => {
  redis = await startRedis();
  worker = await spawnWorker(`${redis.url}?queue=${QUEUE}`, 'retrier', ['--concurrency', '2']);
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-retries-')) });
  registerPools(runner);
  setRunner(runner);
}, 60_000);

afterAll(async () => {
  await runner?.close();
  await worker?.stop();
  await redis?.stop();
}, 60_000);

/** Where to run: `threads`, or the remote pool's URL; and how late a retry may start there (ms). */
const place = (where: string): [string, number] => (where === 'threads' ? ['threads', 1000] : [`${redis.url}?queue=${QUEUE}`, 2000]);

describe.each(['fixed', 'exponential'] as const)('a flaky JSON-spec task with "retries" (%s backoff)', (backoff) => {
  test.each(['threads', 'remote'])(
    'succeeds on attempt 3 with its delays measured, on %s',
    async (where) => {
      const [on, slack] = place(where);
      const events = await runFlaky(backoff, on, slack);
      expect(events.filter((e) => e.kind === 'state').pop()!.state).toBe('SUCCESS');
    },
    60_000,
  );
});

test("on a remote pool, the attempts and backoff are BullMQ's own, and a maxDelay caps them through the worker's strategy", async () => {
  const [on] = place('remote');
  const counter = flakyCounter();
  const jobId = `flaky-${Date.now()}`;
  const retries = { max: 4, backoff: 'exponential' as const, delay: 400, maxDelay: 450 };
  const r = await run(flakySpec('exponential'), { counter }, { on, cache: false, jobId, retries });
  expect(r.data.attempts).toBe(3);
  const gaps = attemptGaps(counter);
  // 400 ms, then 450 (the cap) where the exponential backoff alone would wait 800.
  expect(gaps[0]).toBeGreaterThanOrEqual(400);
  expect(gaps[1]).toBeGreaterThanOrEqual(450);
  expect(gaps[1]).toBeLessThan(800);
  const q = bullQueue(redis.port, QUEUE);
  try {
    const job = await BullJob.fromId(q, jobId);
    expect(job!.opts.attempts).toBe(5);
    expect(job!.opts.backoff).toEqual({ type: 'taskcell', delay: 400 });
    // Three attempts made: two failed, the third completed.
    expect(job!.attemptsMade).toBe(3);
  } finally {
    await q.close();
  }
}, 60_000);

test.each(['threads', 'remote'])(
  'a spec\'s own "timeout" stops a CPU-bound task on %s and names the task limit',
  async (where) => {
    const on = where === 'threads' ? 'threads' : `${redis.url}?queue=${QUEUE}`;
    const t0 = Date.now();
    const err = await run(SPIN, { x: 1 }, { on, cache: false }).then(
      () => undefined,
      (e: unknown) => e as TaskcellError,
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err!.message).toBe('Task "spin" ran longer than its task timeout of 200 ms');
    expect(err!.context).toMatchObject({ timeout: 200, limit: 'task' });
    expect(Date.now() - t0).toBeLessThan(10_000);
  },
  60_000,
);

test('a remote job cancelled while BullMQ waits out its backoff ends CANCELED and runs no further attempt', async () => {
  const [on] = place('remote');
  const counter = flakyCounter();
  const jobId = `cancel-in-backoff-${Date.now()}`;
  const ac = new AbortController();
  const p = run(flakySpec('fixed'), { counter }, { on, cache: false, jobId, signal: ac.signal, retries: { max: 3, delay: 5000 } });
  // The first attempt fails at once; the job then waits 5 s in BullMQ's delayed set.
  const q = bullQueue(redis.port, QUEUE);
  try {
    for (let i = 0; i < 100 && (await q.getJobState(jobId)) !== 'delayed'; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await q.getJobState(jobId)).toBe('delayed');
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'taskcell:canceled' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await q.getJobState(jobId)).toBe('unknown');
  } finally {
    await q.close();
  }
  expect(attemptGaps(counter)).toEqual([]);
}, 60_000);

test.each(['threads', 'remote'])(
  'a workflow step sent to %s keeps its own timeout, and the error names the step limit',
  async (where) => {
    const [on] = place(where);
    const nap = task(
      { name: 'nap', inputs: { ms: 'number' }, outputs: { ms: 'number' } },
      ({ ms }) => new Promise<number>((r) => setTimeout(() => r(ms), ms)),
    );
    const wf = workflow('wf').step('slow', nap, { timeout: 150 });
    const err = await run(wf, { ms: 5000 }, { on, cache: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowError);
    const step = (err as WorkflowError).failed[0].error;
    expect(step).toBeInstanceOf(TimeoutError);
    expect(step.message).toBe('Task "nap" (step "slow") ran longer than its step timeout of 150 ms');
    expect(step.context).toMatchObject({ step: 'slow', timeout: 150, limit: 'step' });
  },
  60_000,
);
