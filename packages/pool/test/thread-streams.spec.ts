import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, run, setRunner, task, workflow } from '@taskcell/core';
import type { IJobEvent, Runner } from '@taskcell/core';
import { PoolError, RemotePool, ThreadPool } from '@taskcell/pool';

let runner: Runner;
beforeEach(() => {
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-thread-streams-')) });
  setRunner(runner);
  runner.registerPool('two', () => new ThreadPool({ size: 2 }));
});
afterEach(() => runner.close());

/** Yields 1..n a few milliseconds apart, logging every 500 items made. */
const count = task(
  { name: 'count', inputs: { n: 'number', pause: 'number' }, outputs: { items: { type: 'number', stream: true } } },
  ({ n, pause }, ctx) =>
    (async function* () {
      for (let i = 1; i <= n; i++) {
        if (pause) await new Promise((r) => setTimeout(r, pause));
        if (i % 500 === 0) ctx.log(`made ${i}`);
        yield i;
      }
    })(),
);

/** Sums a stream, logging its first item, and after it pausing `wait` ms and saying so. */
const sum = task(
  { name: 'sum', inputs: { items: { type: 'number', stream: true }, wait: 'number' }, outputs: { total: 'number' } },
  async ({ items, wait }, ctx) => {
    let total = 0;
    let first = true;
    for await (const x of items) {
      if (first) {
        ctx.log('first item');
        if (wait) {
          await new Promise((r) => setTimeout(r, wait));
          ctx.log('paused');
        }
      }
      first = false;
      total += x;
    }
    return total;
  },
);

const logIndex = (events: IJobEvent[], step: string, line: RegExp) =>
  events.findIndex((e) => e.step === step && e.kind === 'log' && line.test(e.log?.line ?? ''));

describe('streaming edges on threads', () => {
  test('the consumer on a thread gets its first item before the producer on a thread ends', async () => {
    const events: IJobEvent[] = [];
    const wf = workflow('threads').step('count', count).step('sum', sum).connect('count', 'sum', { items: 'items' });
    const r = await run(wf, { n: 200, pause: 2, wait: 0 }, { on: 'two', cache: false, onEvent: (e) => events.push(e) });
    expect(r.data.total).toBe((200 * 201) / 2);
    const first = logIndex(events, 'sum', /^first item$/);
    const producerEnd = events.findIndex((e) => e.step === 'count' && e.state === 'SUCCESS');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(producerEnd).toBeGreaterThan(first);
    expect(events.filter((e) => e.step && e.place?.kind === 'thread').length).toBeGreaterThan(0);
  }, 120_000);

  test('a fast producer on a thread waits for a slow consumer on another (credit-based flow)', async () => {
    const events: IJobEvent[] = [];
    const wf = workflow('bp').step('count', count).step('sum', sum).connect('count', 'sum', { items: 'items' });
    const n = 100_000;
    const r = await run(wf, { n, pause: 0, wait: 300 }, { on: 'two', cache: false, onEvent: (e) => events.push(e) });
    expect(r.data.total).toBe((n * (n + 1)) / 2);
    const paused = logIndex(events, 'sum', /^paused$/);
    expect(paused).toBeGreaterThan(0);
    // What the producer had made when the consumer came back: a few windows, not the whole stream.
    const made = events
      .slice(0, paused)
      .filter((e) => e.step === 'count' && e.kind === 'log')
      .map((e) => Number(/made (\d+)/.exec(e.log!.line)?.[1] ?? 0));
    const most = Math.max(0, ...made);
    expect(most).toBeLessThan(5_000);
  }, 120_000);

  test("a producer's failure on a thread ends the consumer with that error", async () => {
    const broken = task({ name: 'broken', outputs: { items: { type: 'number', stream: true } } }, () =>
      (async function* () {
        yield 1;
        throw new Error('thread producer broke');
      })(),
    );
    const wf = workflow('fail').step('broken', broken).step('sum', sum).connect('broken', 'sum', { items: 'items' });
    await expect(run(wf, { wait: 0 }, { on: 'two', cache: false })).rejects.toThrow(/thread producer broke/);
  }, 120_000);

  test('a streaming edge sent to a remote pool is refused with a PoolError naming its ports, before any Redis is reached', async () => {
    const pool = new RemotePool({ url: 'redis://127.0.0.1:9' });
    runner.registerPool('redis', () => pool);
    const wf = workflow('remote').step('count', count).step('sum', sum).connect('count', 'sum', { items: 'items' });
    const err = await run(wf, { n: 3, pause: 0, wait: 0 }, { on: 'redis://127.0.0.1:9', cache: false }).catch((e: unknown) => e);
    const failed = (err as { failed?: Array<{ step: string; error: Error }> }).failed ?? [];
    expect(failed.map((f) => f.error)).toEqual(expect.arrayContaining([expect.any(PoolError)]));
    expect(failed.map((f) => f.error.message).join('\n')).toMatch(/has streaming edges \(items\), which cannot reach a remote worker/);
    await pool.close();
  }, 30_000);
});
