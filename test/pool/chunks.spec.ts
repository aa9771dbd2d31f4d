// A burst of jobs of one task on the remote pool travels in chunks: fewer queue jobs, each job still
// its own (result, events, cancel), a member that does not parse fails alone, and a chunk Redis lost
// is sent again job by job. Real Redis, real `taskcell worker` processes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job as BullJob, Queue } from 'bullmq';
import { CanceledError, createRunner, run, setRunner, task } from '@taskcell/core';
import type { IJobEvent, Runner } from '@taskcell/core';
import { RemotePool, registerPools, unpackBlob } from '@taskcell/pool';
import type { Blob, IChunkOutcome } from '@taskcell/pool';
import { bullQueue, startRedis, until } from './redis';
import type { IRedisServer } from './redis';
import { spawnWorker } from './workers';
import type { IWorkerProcess } from './workers';

let redis: IRedisServer;
let runner: Runner;
const workers: IWorkerProcess[] = [];
const queues: Queue[] = [];
// Chunks are opt-in: on with at most 64 a chunk unless a test says otherwise.
const url = (queue: string, query = '&chunk=64') => `${redis.url}?queue=${queue}${query}`;

const inc = task({ name: 'inc', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x + 1);
const wait = task(
  { name: 'wait', inputs: { x: 'number' }, outputs: { y: 'number' } },
  (i, ctx) => new Promise<number>((r) => ctx.signal.addEventListener('abort', () => r(i.x))),
);

beforeAll(async () => {
  redis = await startRedis();
  workers.push(await spawnWorker(url('chunks'), 'chunks-a', ['--concurrency', '4']));
  workers.push(await spawnWorker(url('chunks'), 'chunks-b', ['--concurrency', '4']));
  workers.push(await spawnWorker(url('one'), 'one', ['--concurrency', '1']));
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-chunks-')) });
  registerPools(runner);
  setRunner(runner);
}, 60_000);

afterAll(async () => {
  await runner?.close();
  await Promise.allSettled(queues.map((q) => q.close()));
  await Promise.allSettled(workers.map((w) => w.stop()));
  await redis?.stop();
}, 60_000);

function queue(name: string): Queue {
  return bullQueue(redis.port, name, queues);
}

/** Occupy the one slot of queue `one` with a job that runs until cancelled; resolves once it runs, with its run. */
async function blockOne(jobId: string): Promise<{ blocker: Promise<unknown> }> {
  let running!: () => void;
  const started = new Promise<void>((r) => (running = r));
  const blocker = run(wait, { x: 0 }, { on: url('one'), cache: false, jobId, onEvent: (e) => e.state === 'RUNNING' && running() });
  await started;
  return { blocker };
}

/** The ids of the queue jobs made on `queue` (BullMQ keeps finished ones for the pool's `keepJobsFor`). */
async function queueJobIds(q: Queue): Promise<string[]> {
  const jobs = await q.getJobs(['completed', 'failed', 'waiting', 'active', 'delayed']);
  return jobs.map((j) => j.id!);
}

test('a burst of 300 jobs travels in far fewer queue jobs than 300, each with its own result; ?chunk=1 sends each alone', async () => {
  const q = queue('chunks');
  const results = await Promise.all(
    Array.from({ length: 300 }, (_, i) => run(inc, { x: i }, { on: url('chunks'), cache: false, jobId: `burst-${i}` })),
  );
  expect(results.map((r) => r.data.y)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  const made = await queueJobIds(q);
  // 2 workers of 4 slots: chunks of ceil(300 / 16) = 19 jobs, so about 16 queue jobs for the burst.
  expect(made.filter((id) => id.startsWith('tc-chunk-')).length).toBeGreaterThanOrEqual(8);
  expect(made.length).toBeLessThan(40);
  expect(made.some((id) => id.startsWith('burst-'))).toBe(false);

  await q.obliterate({ force: true });
  const alone = await Promise.all(
    Array.from({ length: 50 }, (_, i) => run(inc, { x: i }, { on: url('chunks', '&chunk=1'), cache: false, jobId: `alone-${i}` })),
  );
  expect(alone.map((r) => r.data.y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  const single = await queueJobIds(q);
  expect(single.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `alone-${i}`).sort());
});

test('each job of a chunk gets its own events, and one cancelled while its chunk waits never runs while the others do', async () => {
  const blockerId = `blocker-${Date.now()}`;
  const { blocker } = await blockOne(blockerId);
  const events = new Map<string, IJobEvent[]>();
  const ids = Array.from({ length: 40 }, (_, i) => `member-${i}`);
  const runs = ids.map((jobId, i) =>
    run(inc, { x: i }, { on: url('one'), cache: false, jobId, onEvent: (e) => events.set(e.jobId, [...(events.get(e.jobId) ?? []), e]) }),
  );
  const q = queue('one');
  await until(
    'the burst to wait on the queue in chunks',
    async () => (await q.getWaiting()).some((j) => j.id!.startsWith('tc-chunk-')),
    10_000,
  );
  expect(runner.cancel('member-7')).toBe(true);
  await expect(runs[7]).rejects.toThrow(CanceledError);
  runner.cancel(blockerId);
  await expect(blocker).rejects.toThrow(CanceledError);
  const done = await Promise.allSettled(runs);
  done.forEach((d, i) => {
    if (i === 7) return;
    expect(d).toMatchObject({ status: 'fulfilled', value: { data: { y: i + 1 } } });
    // Its own events only, its own RUNNING and SUCCESS.
    expect(events.get(ids[i]!)!.every((e) => e.jobId === ids[i])).toBe(true);
    expect(events.get(ids[i]!)!.map((e) => e.state)).toEqual(expect.arrayContaining(['RUNNING', 'SUCCESS']));
  });
  // The worker skipped the cancelled one: no event of it ran on the worker.
  expect((events.get('member-7') ?? []).filter((e) => e.state === 'RUNNING')).toEqual([]);
});

test('a member of a chunk that does not parse fails alone; the chunk and the other members complete', async () => {
  const q = queue('one');
  // A real payload, as the pool queues it alone.
  await run(inc, { x: 1 }, { on: url('one', '&chunk=1'), cache: false, jobId: 'seed' });
  const seed = (await BullJob.fromId(q, 'seed'))!.data as { options: { jobId: string } };
  const good = { ...seed, options: { ...seed.options, jobId: 'good' } };
  const bad = { v: 1, task: '{not json', inputs: { json: {} }, options: { jobId: 'bad' } };
  await q.add('chunk', { v: 1, chunk: [bad, good] }, { jobId: 'hand-chunk' });
  const job = await until('the chunk to finish', async () => {
    const j = await BullJob.fromId(q, 'hand-chunk');
    return j?.finishedOn ? j : undefined;
  });
  expect(job.failedReason).toBeFalsy();
  const outcome = (typeof job.returnvalue === 'string' ? JSON.parse(job.returnvalue) : job.returnvalue) as IChunkOutcome;
  expect(outcome.chunk.map((o) => o.id)).toEqual(['bad', 'good']);
  const [b, g] = await Promise.all(outcome.chunk.map((o) => unpackBlob(o.blob as Blob, o.id)));
  expect(b).toMatchObject({ ok: false, error: { code: 'taskcell:payload', message: expect.stringMatching(/does not parse/) } });
  expect(g).toMatchObject({ ok: true, result: { data: { y: 2 } } });
});

test('the jobs of a chunk that Redis lost go again, and every job ends', async () => {
  const pool = new RemotePool({ url: url('one'), sweepInterval: 300 });
  runner.registerPool('lossy', () => pool);
  const blockerId = `blocker-lost-${Date.now()}`;
  const { blocker } = await blockOne(blockerId);
  const runs = Array.from({ length: 40 }, (_, i) => run(inc, { x: i }, { on: 'lossy', cache: false, jobId: `lost-${i}` }));
  const q = queue('one');
  const chunks = await until('the chunks to wait on the queue', async () => {
    const waiting = (await q.getWaiting()).filter((j) => j.id!.startsWith('tc-chunk-'));
    return waiting.length ? waiting : undefined;
  });
  // While a chunk waits, the sweep finds it through the chunk and sends nothing again.
  await new Promise((r) => setTimeout(r, 1200));
  expect((await queueJobIds(q)).filter((id) => id.startsWith('lost-'))).toEqual([]);
  expect((await q.getWaiting()).filter((j) => j.id!.startsWith('tc-chunk-')).length).toBe(chunks.length);
  for (const c of chunks) await c.remove();
  runner.cancel(blockerId);
  await expect(blocker).rejects.toThrow(CanceledError);
  const results = await Promise.all(runs);
  expect(results.map((r) => r.data.y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  // Served by queue jobs made after the loss, none of the removed chunks.
  const removed = new Set(chunks.map((c) => c.id));
  expect((await queueJobIds(q)).filter((id) => removed.has(id))).toEqual([]);
  await pool.close();
}, 60_000);

test("jobs with a retry policy go alone, each with BullMQ's attempts, never in a chunk", async () => {
  const q = queue('chunks');
  await q.obliterate({ force: true });
  const results = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      run(inc, { x: i }, { on: url('chunks'), cache: false, jobId: `retried-${i}`, retries: { max: 2, backoff: 'fixed', delay: 10 } }),
    ),
  );
  expect(results.map((r) => r.data.y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  const jobs = await q.getJobs(['completed']);
  expect(jobs.map((j) => j.id).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `retried-${i}`).sort());
  for (const j of jobs) expect(j.opts.attempts).toBe(3);
});
