// The remote pool against a real redis-server and real `taskcell worker` processes: cancel of
// queued and running jobs, bad payloads, the live-worker registry, the artifact store, shutdown.
import { mkdtempSync, readdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job as BullJob, Queue } from 'bullmq';
import { CanceledError, CaptureError, createRunner, setRunner, task, run } from '@taskcell/core';
import type { Runner } from '@taskcell/core';
import { DirectoryArtifactStore, REPLY_LIMIT, RemotePool, packBlob, rawClient, registerPools, unpackBlob } from '@taskcell/pool';
import type { Blob, IRawRedis, IReplyMessage, IStoredRef } from '@taskcell/pool';
import { bullQueue, startRedis, until } from './redis';
import type { IRedisServer } from './redis';
import { spawnWorker } from './workers';
import type { IWorkerProcess } from './workers';

let redis: IRedisServer;
let solo: IWorkerProcess;
let runner: Runner;
const queues: Queue[] = [];
const url = (queue: string) => `${redis.url}?queue=${queue}`;

const wait = task(
  { name: 'wait', inputs: { x: 'number' }, outputs: { y: 'number' } },
  (i, ctx) => new Promise<number>((r) => ctx.signal.addEventListener('abort', () => r(i.x))),
);
const inc = task({ name: 'inc', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x + 1);
const sleep = task(
  { name: 'sleep', inputs: { ms: 'number' }, outputs: { ms: 'number' } },
  ({ ms }) => new Promise<number>((r) => setTimeout(() => r(ms), ms)),
);

beforeAll(async () => {
  redis = await startRedis();
  solo = await spawnWorker(url('remote'), 'solo', ['--concurrency', '1', '--heartbeat', '200']);
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-remote-')) });
  registerPools(runner);
  setRunner(runner);
}, 60_000);

afterAll(async () => {
  await runner?.close();
  await Promise.allSettled(queues.map((q) => q.close()));
  await solo?.stop();
  await redis?.stop();
}, 60_000);

function queue(name: string): Queue {
  return bullQueue(redis.port, name, queues);
}

/** An onEvent that resolves `running` when the job starts running where it was sent. */
function started(jobId: string): { onEvent: (e: { state?: string; jobId: string }) => void; running: Promise<void> } {
  let ok!: () => void;
  const running = new Promise<void>((r) => (ok = r));
  return { onEvent: (e) => e.state === 'RUNNING' && e.jobId === jobId && ok(), running };
}

test('cancelling a running job aborts it on the worker that runs it, and the registry shows it while it runs', async () => {
  const q = queue('remote');
  const pool = new RemotePool({ url: url('remote') });
  try {
    const jobId = `running-${Date.now()}`;
    const s = started(jobId);
    const p = run(wait, { x: 5 }, { on: url('remote'), cache: false, jobId, onEvent: s.onEvent });
    await s.running;
    const listed = await until('the registry to list the running job', async () => {
      const ws = await pool.workers();
      return ws.find((w) => w.name === 'solo' && w.running.includes(jobId));
    });
    expect(listed).toMatchObject({ host: hostname(), queue: 'remote', concurrency: 1 });
    expect(runner.cancel(jobId)).toBe(true);
    await expect(p).rejects.toThrow(CanceledError);
    // The worker ran the task's abort path and ended the job with a cancel, long before any natural end.
    // Generous: `wait` only ends by its abort, so no natural end can pass for the cancel here.
    const job = await until(
      'the worker to end the job',
      async () => {
        const j = await BullJob.fromId(q, jobId);
        return j?.finishedOn ? j : undefined;
      },
      30_000,
    );
    const outcome = (await unpackBlob(job.returnvalue as Blob, 'result')) as { ok: boolean; error: { code: string; message: string } };
    expect(outcome.ok).toBe(false);
    expect(outcome.error.code).toBe('taskcell:canceled');
    expect(outcome.error.message).toBe(`Job ${jobId} was cancelled`);
  } finally {
    await pool.close();
  }
});

test('cancelling a queued job takes it out of the queue before any worker starts it', async () => {
  const q = queue('remote');
  const first = `busy-${Date.now()}`;
  const queued = `queued-${Date.now()}`;
  const s = started(first);
  const busy = run(wait, { x: 1 }, { on: url('remote'), cache: false, jobId: first, onEvent: s.onEvent });
  await s.running;
  const ran: string[] = [];
  const p = run(
    inc,
    { x: 1 },
    { on: url('remote'), cache: false, jobId: queued, onEvent: (e) => e.state === 'RUNNING' && ran.push(e.jobId) },
  );
  await until('the second job to wait in the queue', async () => (await q.getJobState(queued)) === 'waiting');
  expect(runner.cancel(queued)).toBe(true);
  await expect(p).rejects.toThrow(CanceledError);
  await until('the queued job to leave the queue', async () => (await BullJob.fromId(q, queued)) === undefined);
  runner.cancel(first);
  await expect(busy).rejects.toThrow(CanceledError);
  // The worker is free again and never started the cancelled job.
  await expect(run(inc, { x: 2 }, { on: url('remote'), cache: false })).resolves.toMatchObject({ data: { y: 3 } });
  expect(ran).toEqual([]);
});

test('a bad payload fails that job with a clear error, and the worker lives on', async () => {
  const q = queue('remote');
  await q.add('junk', { hello: 'world' }, { jobId: 'junk-1' });
  await q.add('junk', { v: 1, task: '{not json', inputs: { b64: '' }, options: { jobId: 'junk-2' } }, { jobId: 'junk-2' });
  await q.add(
    'junk',
    { v: 1, taskKey: 'taskcell:remote:task:nope', inputs: { b64: '' }, options: { jobId: 'junk-3' } },
    { jobId: 'junk-3' },
  );
  for (const [id, reason] of [
    ['junk-1', /taskcell:payload.*Expected a taskcell job payload of version 1, got version undefined/],
    ['junk-2', /taskcell:payload.*The job's task does not parse/],
    ['junk-3', /taskcell:payload.*Expected the task's text at Redis key taskcell:remote:task:nope, found nothing there/],
  ] as const) {
    const job = await until(`${id} to fail`, async () => {
      const j = await BullJob.fromId(q, id);
      return j?.failedReason ? j : undefined;
    });
    expect(job.failedReason).toMatch(reason);
    expect(job.attemptsMade).toBeLessThanOrEqual(1);
  }
  expect(solo.child.exitCode).toBeNull();
  await expect(run(inc, { x: 41 }, { on: url('remote'), cache: false })).resolves.toMatchObject({ data: { y: 42 } });
});

/** Every message workers publish on the reply channels of `queueName`, while `f` runs. */
async function replies(queueName: string, f: () => Promise<unknown>): Promise<IReplyMessage[]> {
  const sub = (await rawClient(queue(queueName))).duplicate() as IRawRedis & {
    psubscribe(pattern: string): Promise<unknown>;
    on(event: 'pmessage', listener: (pattern: string, channel: string, message: string) => void): unknown;
  };
  const seen: IReplyMessage[] = [];
  sub.on('pmessage', (_p, _c, text) => seen.push(...([] as IReplyMessage[]).concat(JSON.parse(text) as IReplyMessage | IReplyMessage[])));
  await sub.psubscribe(`taskcell:${queueName}:reply:*`);
  try {
    await f();
    await new Promise((r) => setTimeout(r, 200));
    return seen;
  } finally {
    await sub.quit();
  }
}

test("outcomes come back on the client's reply channel: small ones whole, big ones as a notice, none when events are followed", async () => {
  const seen = await replies('remote', () =>
    expect(run(inc, { x: 1 }, { on: url('remote'), cache: false, jobId: 'fast-1' })).resolves.toMatchObject({ data: { y: 2 } }),
  );
  expect(seen.map((m) => m.id)).toEqual(['fast-1']);
  await expect(unpackBlob(seen[0]!.blob!, 'the reply')).resolves.toMatchObject({ ok: true, result: { data: { y: 2 } } });

  // Events and the result travel in one ordered stream when someone listens: the SUCCESS event comes first.
  const states: string[] = [];
  const observed = await replies('remote', async () => {
    const r = await run(
      inc,
      { x: 2 },
      { on: url('remote'), cache: false, jobId: 'slow-1', onEvent: (e) => e.state && states.push(e.state) },
    );
    expect(r.data).toEqual({ y: 3 });
    expect(states).toContain('SUCCESS');
  });
  expect(observed).toEqual([]);

  // Too big to publish: a notice once BullMQ has recorded it, and the client reads the result from the job, at once.
  const big = task({ name: 'big-text', inputs: { n: 'number' }, outputs: { s: 'string' } }, ({ n }) => 'x'.repeat(n));
  const t0 = Date.now();
  const large = await replies('remote', () =>
    expect(run(big, { n: REPLY_LIMIT + 1 }, { on: url('remote'), cache: false, jobId: 'big-1' })).resolves.toMatchObject({
      data: { s: expect.stringMatching(/^x+$/) },
    }),
  );
  expect(Date.now() - t0).toBeLessThan(3000);
  expect(large).toEqual([{ id: 'big-1', done: true }]);

  // A payload the worker cannot read fails at once, and the client hears why on its channel.
  const failed = await replies('remote', async () => {
    await queue('remote').add(
      'junk',
      { v: 1, task: '{not json', inputs: { b64: '' }, options: { jobId: 'junk-4' }, reply: 'taskcell:remote:reply:test' },
      { jobId: 'junk-4' },
    );
    await until('the failure notice', async () => (await BullJob.fromId(queue('remote'), 'junk-4'))?.failedReason);
  });
  expect(failed).toEqual([{ id: 'junk-4', failed: expect.stringMatching(/^\[taskcell:payload\] The job's task does not parse/) }]);
});

test('with many jobs out at once, outcomes come through the event stream without a reply per job, and none waits for the sweep', async () => {
  const t0 = Date.now();
  const seen = await replies('remote', async () => {
    const all = await Promise.all(
      Array.from({ length: 60 }, (_, x) => run(inc, { x }, { on: url('remote'), cache: false, jobId: `many-${x}` })),
    );
    expect(all.map((r) => r.data.y)).toEqual(Array.from({ length: 60 }, (_, x) => x + 1));
  });
  // The sweep looks at jobs every 5 s: all 60 came back before it could have.
  expect(Date.now() - t0).toBeLessThan(4000);
  const replied = seen.map((m) => m.id);
  expect(replied.length).toBeLessThanOrEqual(17);
  expect(replied.every((id) => /^many-\d+$/.test(id))).toBe(true);
});

test('a worker of concurrency 3 runs three jobs at once, and a fourth after one of them', async () => {
  const trio = await spawnWorker(url('trio'), 'trio', ['--concurrency', '3']);
  try {
    await run(inc, { x: 0 }, { on: url('trio'), cache: false });
    let t0 = Date.now();
    await Promise.all([1, 2, 3].map(() => run(sleep, { ms: 500 }, { on: url('trio'), cache: false })));
    expect(Date.now() - t0).toBeLessThan(1000);
    t0 = Date.now();
    await Promise.all([1, 2, 3, 4].map(() => run(sleep, { ms: 500 }, { on: url('trio'), cache: false })));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
  } finally {
    await trio.stop();
  }
});

test('a task that captures notebook variables is refused at dispatch, naming them', async () => {
  const threshold = 10;
  const big = task({ name: 'big', inputs: { x: 'number' }, outputs: { y: 'boolean' } }, ({ x }) => x > threshold);
  const err = await run(big, { x: 1 }, { on: url('remote'), cache: false }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CaptureError);
  expect((err as Error).message).toBe(
    'Task "big" uses `threshold` from the notebook, so it cannot run on a remote worker: pass it as an input, or run the task in-process',
  );
});

test('data above the inline limit travels through the shared artifact store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-store-'));
  const inner = new DirectoryArtifactStore({ path: dir });
  const puts: IStoredRef[] = [];
  const gets: IStoredRef[] = [];
  const store = {
    descriptor: inner.descriptor,
    put: async (b: Uint8Array) => {
      const ref = await inner.put(b);
      puts.push(ref);
      return ref;
    },
    get: (r: IStoredRef) => {
      gets.push(r);
      return inner.get(r);
    },
    delete: (r: IStoredRef) => inner.delete(r),
  };
  const pool = new RemotePool({ url: url('remote'), store, inlineLimit: 4096 });
  const reg = runner.registerPool('bigdata', () => pool);
  try {
    const flip = task({ name: 'flip', inputs: { b: 'python' }, outputs: { b: 'python' } }, ({ b }) => Buffer.from(b as Buffer).reverse());
    const data = Buffer.alloc(200_000);
    for (let i = 0; i < data.length; i++) data[i] = i % 251;
    const r = await run(flip, { b: data }, { on: 'bigdata', cache: false });
    expect(Buffer.compare(r.data.b as Buffer, Buffer.from(data).reverse())).toBe(0);
    // The inputs were put by this side and the result by the worker, in the same directory; both read from it.
    expect(puts.length).toBe(1);
    expect(puts[0].size).toBeGreaterThan(200_000);
    expect(gets.length).toBe(1);
    expect(gets[0].size).toBeGreaterThan(200_000);
    expect(gets[0].key).not.toBe(puts[0].key);
    await until('the blobs to be removed', async () => readdirSync(dir).length === 0);
  } finally {
    reg.dispose();
    await pool.close();
  }
});

test('SIGTERM lets a running job finish, and the worker leaves the registry', async () => {
  const w = await spawnWorker(url('graceful'), 'graceful', ['--grace', '10000', '--heartbeat', '200']);
  const pool = new RemotePool({ url: url('graceful') });
  try {
    const jobId = `graceful-${Date.now()}`;
    const s = started(jobId);
    const p = run(sleep, { ms: 1500 }, { on: url('graceful'), cache: false, jobId, onEvent: s.onEvent });
    await s.running;
    expect((await pool.workers()).map((x) => x.name)).toEqual(['graceful']);
    const code = w.stop();
    await expect(p).resolves.toMatchObject({ data: { ms: 1500 } });
    expect(await code).toBe(0);
    expect(await pool.workers()).toEqual([]);
  } finally {
    await w.kill9();
    await pool.close();
  }
});

test('SIGTERM past the grace period hands the running job back, and another worker runs it', async () => {
  const w = await spawnWorker(url('handback'), 'leaving', ['--grace', '300']);
  let next: IWorkerProcess | undefined;
  try {
    const jobId = `handback-${Date.now()}`;
    const places: string[] = [];
    const s = started(jobId);
    const p = run(
      sleep,
      { ms: 2500 },
      {
        on: url('handback'),
        cache: false,
        jobId,
        onEvent: (e) => {
          if (e.kind === 'state' && e.state === 'RUNNING' && e.place?.name) places.push(e.place.name);
          s.onEvent(e);
        },
      },
    );
    await s.running;
    const t0 = Date.now();
    expect(await w.stop()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2000);
    next = await spawnWorker(url('handback'), 'staying');
    await expect(p).resolves.toMatchObject({ data: { ms: 2500 } });
    expect(places).toEqual(['leaving', 'staying']);
  } finally {
    await w.kill9();
    await next?.stop();
  }
});

test('values JSON carries unchanged travel in the job as they are; bytes, dates, undefined and -0 as v8 bytes, and all come back intact', async () => {
  const plain = { x: 1, s: 'a', list: [1, null, true], nested: { y: [{ z: 'b' }] } };
  const packed = await packBlob(plain, undefined, 1024);
  expect(packed).toEqual({ json: plain });
  await expect(unpackBlob(JSON.parse(JSON.stringify(packed)) as Blob, 'plain')).resolves.toEqual(plain);
  for (const value of [{ b: Buffer.from('hi') }, { d: new Date(5) }, { u: undefined }, { n: -0 }]) {
    const blob = await packBlob(value, undefined, 1024);
    expect(Object.keys(blob)).toEqual(['b64']);
    const back = await unpackBlob(JSON.parse(JSON.stringify(blob)) as Blob, 'bytes');
    expect(back).toEqual(value);
    if ('n' in value) expect(Object.is((back as { n: number }).n, -0)).toBe(true);
  }
});
