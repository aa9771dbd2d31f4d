// The shared pool suite: the same behaviour asked of every IWorkerPool (in-process, threads, a remote
// pool on a real redis-server with real `taskcell worker` processes).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureError, CanceledError, createRunner, globalEvents, run, setRunner, task, workflow } from '@taskcell/core';
import type { IJobEvent, Runner } from '@taskcell/core';
import { registerPools } from '@taskcell/pool';
import { startRedis } from './redis';
import type { IRedisServer } from './redis';
import { spawnWorker } from './workers';
import type { IWorkerProcess } from './workers';

interface IPoolUnderTest {
  name: string;
  /** The `on` option, once set up. */
  on(): string | undefined;
  /** Where events say the job ran (undefined: in this process). */
  kind: 'thread' | 'remote' | undefined;
  setup(): Promise<void>;
  teardown(): Promise<void>;
}

const inProcess: IPoolUnderTest = {
  name: 'in-process',
  on: () => undefined,
  kind: undefined,
  setup: async () => undefined,
  teardown: async () => undefined,
};
const threads: IPoolUnderTest = {
  name: 'threads',
  on: () => 'threads',
  kind: 'thread',
  setup: async () => undefined,
  teardown: async () => undefined,
};
const remote: IPoolUnderTest = (() => {
  let redis: IRedisServer | undefined;
  let workers: IWorkerProcess[] = [];
  return {
    name: 'remote (BullMQ on redis-server)',
    on: () => `${redis!.url}?queue=suite`,
    kind: 'remote' as const,
    async setup() {
      redis = await startRedis();
      workers = await Promise.all(
        ['suite-a', 'suite-b'].map((n) => spawnWorker(`${redis!.url}?queue=suite`, n, ['--concurrency', '4', '--grace', '1000'])),
      );
    },
    async teardown() {
      await Promise.allSettled(workers.map((w) => w.stop()));
      await redis?.stop();
    },
  };
})();

/** A task that runs until it is cancelled, then returns its input. */
const wait = task(
  { name: 'wait', inputs: { x: 'number' }, outputs: { y: 'number' } },
  (i, ctx) => new Promise<number>((r) => ctx.signal.addEventListener('abort', () => r(i.x))),
);

describe.each([inProcess, threads, remote])('pool: $name', (pool) => {
  let runner: Runner;
  beforeAll(async () => {
    await pool.setup();
  }, 60_000);
  afterAll(async () => {
    await runner?.close();
    await pool.teardown();
  }, 60_000);
  beforeAll(() => {
    runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-pool-suite-')) });
    registerPools(runner);
    setRunner(runner);
  });

  test('runs a task and returns its outputs', async () => {
    const inc = task({ name: 'inc', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x + 1);
    const r = await run(inc, { x: 41 }, { on: pool.on(), cache: false });
    expect(r.state).toBe('SUCCESS');
    expect(r.data).toEqual({ y: 42 });
  });

  test('python tasks run here too, alone and mixed with javascript steps in a workflow', async () => {
    const stats = {
      name: 'stats',
      mode: 'python',
      script: 'import statistics\nmean = statistics.mean(xs)\nprint("n =", len(xs))',
      inputs: [{ name: 'xs', type: 'number_list', format: 'number_list' }],
      outputs: [{ name: 'mean', type: 'number', format: 'number' }],
    };
    const events: IJobEvent[] = [];
    const r = await run(stats, { xs: [1, 2, 6] }, { on: pool.on(), cache: false, onEvent: (e) => events.push(e) });
    expect(r.data).toEqual({ mean: 3 });
    expect(events.find((e) => e.kind === 'log')?.log).toEqual({ stream: 'stdout', line: 'n = 3' });
    const double = task({ name: 'double', inputs: { xs: 'number_list' }, outputs: { ys: 'number_list' } }, ({ xs }) =>
      xs.map((x) => x * 2),
    );
    const wf = workflow().step('double', double).step('stats', stats).connect('double', 'stats', { ys: 'xs' });
    expect((await run(wf, { xs: [1, 2, 6] }, { on: pool.on(), cache: false })).data).toEqual({ mean: 6 });
  });

  test('r tasks run here too, an R object passing between R steps as its serialization bytes, with the log', async () => {
    const fit = {
      name: 'fit',
      mode: 'r',
      script: 'model <- lm(y ~ x, data.frame(x = seq_along(ys), y = ys))\ncat("n =", length(ys), "\\n")',
      inputs: [{ name: 'ys', type: 'number_list', format: 'number_list' }],
      outputs: [{ name: 'model', type: 'r', format: 'object' }],
    };
    const slope = {
      name: 'slope',
      mode: 'r',
      script: 'slope <- unname(coef(model)[2])',
      inputs: [{ name: 'model', type: 'r', format: 'object' }],
      outputs: [{ name: 'slope', type: 'number', format: 'number' }],
    };
    const events: IJobEvent[] = [];
    const wf = workflow().step('fit', fit).step('slope', slope).connect('fit', 'slope', { model: 'model' });
    const r = await run(wf, { ys: [2, 4, 6] }, { on: pool.on(), cache: false, onEvent: (e) => events.push(e) });
    expect(r.data.slope).toBeCloseTo(2, 10);
    expect(events.find((e) => e.kind === 'log')?.log).toEqual({ stream: 'stdout', line: 'n = 3 ' });
  });

  test('Buffers and typed arrays cross as they are', async () => {
    const t = task({ name: 'bytes', inputs: { b: 'python' }, outputs: { out: 'python' } }, ({ b }) => {
      const v = b as { buf: Buffer; f: Float64Array };
      return { buf: v.buf.subarray(1), f: v.f.map((x) => x * 2), isBuffer: Buffer.isBuffer(v.buf) };
    });
    const r = await run(t, { b: { buf: Buffer.from('hello'), f: new Float64Array([1.5, 2]) } }, { on: pool.on(), cache: false });
    const out = r.data.out as { buf: Buffer; f: Float64Array; isBuffer: boolean };
    expect(out.isBuffer).toBe(true);
    expect(Buffer.isBuffer(out.buf)).toBe(true);
    expect(out.buf.toString()).toBe('ello');
    // (the test's realm has its own Float64Array, so compare by name)
    expect(out.f.constructor.name).toBe('Float64Array');
    expect([...out.f]).toEqual([3, 4]);
  });

  test("a task's error comes back typed, with its message", async () => {
    const bad = task({ name: 'bad', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => {
      throw new RangeError(`x is too big: ${x}`);
    });
    const err = await run(bad, { x: 7 }, { on: pool.on(), cache: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'taskcell:task' });
    expect((err as Error).message).toMatch(/RangeError: x is too big: 7/);
  });

  test('a workflow sends each ready step on its own, so independent steps run at once', async () => {
    const sleep = task(
      { name: 'sleep', inputs: { ms: 'number' }, outputs: { ms: 'number' } },
      ({ ms }) => new Promise<number>((r) => setTimeout(() => r(ms), ms)),
    );
    const wf = workflow().step('a', sleep).step('b', sleep);
    const t0 = Date.now();
    const r = await run(wf, { 'a.ms': 600, 'b.ms': 600 }, { on: pool.on(), cache: false });
    expect(r.data).toEqual({ 'a.ms': 600, 'b.ms': 600 });
    expect(Date.now() - t0).toBeLessThan(1100);
  });

  test('progress and log lines reach onEvent and globalEvents with jobId, parentId, step and place', async () => {
    const mine: IJobEvent[] = [];
    const all: IJobEvent[] = [];
    const sub = globalEvents.subscribe((e) => all.push(e));
    try {
      const prog = task({ name: 'prog', inputs: { n: 'number' }, outputs: { n: 'number' } }, ({ n }, ctx) => {
        ctx.progress(1, 2, 'half way');
        ctx.log('hello from the task');
        return n;
      });
      const r = await run(workflow().step('p', prog), { n: 3 }, { on: pool.on(), cache: false, onEvent: (e) => mine.push(e) });
      expect(r.data).toEqual({ n: 3 });
      for (const events of [mine, all]) {
        const progress = events.find((e) => e.kind === 'progress' && e.step === 'p');
        expect(progress).toMatchObject({
          parentId: r.jobId,
          step: 'p',
          task: 'prog',
          progress: { current: 1, total: 2, message: 'half way' },
        });
        const log = events.find((e) => e.kind === 'log' && e.step === 'p');
        expect(log?.log?.line).toBe('hello from the task');
        expect(log?.jobId).toBe(progress?.jobId);
        if (pool.kind) expect(progress?.place?.kind).toBe(pool.kind);
        if (pool.kind === 'remote') expect(progress?.place?.name).toMatch(/^suite-[ab]$/);
      }
      expect(all.filter((e) => e.kind === 'progress' && e.step === 'p')).toHaveLength(1);
    } finally {
      sub.dispose();
    }
  });

  test('runner.cancel(jobId) stops a running job where it runs', async () => {
    const jobId = `cancel-${pool.kind ?? 'here'}-${Date.now()}`;
    let running!: () => void;
    const started = new Promise<void>((r) => (running = r));
    const p = run(wait, { x: 1 }, { on: pool.on(), cache: false, jobId, onEvent: (e) => e.state === 'RUNNING' && running() });
    await started;
    const t0 = Date.now();
    expect(runner.cancel(jobId)).toBe(true);
    await expect(p).rejects.toThrow(CanceledError);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  test("the caller's AbortSignal, and a workflow's cancel, stop jobs where they run", async () => {
    for (const shape of ['task', 'workflow'] as const) {
      const ac = new AbortController();
      let running!: () => void;
      const started = new Promise<void>((r) => (running = r));
      const onEvent = (e: IJobEvent) => e.state === 'RUNNING' && (shape === 'task' || e.step === 's') && running();
      const target = shape === 'task' ? wait : workflow().step('s', wait);
      const p = run(target, { x: 1 }, { on: pool.on(), cache: false, signal: ac.signal, onEvent });
      await started;
      const t0 = Date.now();
      ac.abort();
      await expect(p).rejects.toThrow(CanceledError);
      expect(Date.now() - t0).toBeLessThan(2000);
    }
    // A signal aborted before the run: nothing is sent anywhere.
    const done = new AbortController();
    done.abort();
    await expect(run(wait, { x: 1 }, { on: pool.on(), cache: false, signal: done.signal })).rejects.toThrow(CanceledError);
    expect(runner.activeJobs()).toEqual([]);
  });

  test('a timeout crosses to where the job runs', async () => {
    const slow = task({ name: 'slow', inputs: { ms: 'number' }, outputs: { ms: 'number' } }, ({ ms }, ctx) => {
      return new Promise<number>((r) => {
        const t = setTimeout(() => r(ms), ms);
        ctx.signal.addEventListener('abort', () => clearTimeout(t));
      });
    });
    await expect(run(slow, { ms: 5000 }, { on: pool.on(), cache: false, timeout: 200 })).rejects.toMatchObject({
      code: 'taskcell:timeout',
    });
  });

  test('a task may name a module export installed where it runs', async () => {
    const spec = {
      name: 'double',
      mode: 'javascript',
      module: './test/pool/fixtures/double.cjs:double',
      inputs: [{ id: 'x', type: 'number', format: 'number' }],
      outputs: [{ id: 'y', type: 'number', format: 'number' }],
    };
    const r = await run(spec, { x: 21 }, { on: pool.on(), cache: false });
    expect(r.data).toEqual({ y: 42 });
  });

  if (pool.kind) {
    test('a task that captures notebook variables is refused with their names', async () => {
      const factor = 3;
      const offset = 1;
      const t = task({ name: 'scaled', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x * factor + offset);
      const err = await run(t, { x: 1 }, { on: pool.on(), cache: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CaptureError);
      expect((err as Error).message).toMatch(/`factor`, `offset`/);
      expect((err as Error).message).toMatch(/pass them as inputs/);
      expect((err as CaptureError).context.captured).toEqual(['factor', 'offset']);
    });
  }
});
