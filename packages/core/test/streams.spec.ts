import { CanceledError, SpecError, StreamChannel, WorkflowError, run, task, workflow } from '@taskcell/core';
import type { IJobEvent, Runner } from '@taskcell/core';
import { expectReadBeforeEnd, freshRunner } from './helpers';

let runner: Runner;
beforeEach(() => {
  runner = freshRunner();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Yields 1..n, a few milliseconds apart. */
const count = task({ name: 'count', inputs: { n: 'number' }, outputs: { items: { type: 'number', stream: true } } }, ({ n }) =>
  (async function* () {
    for (let i = 1; i <= n; i++) {
      await sleep(2);
      yield i;
    }
  })(),
);

/** Sums a stream of numbers, logging when the first one comes. */
const sum = task(
  { name: 'sum', inputs: { items: { type: 'number', stream: true } }, outputs: { total: 'number' } },
  async ({ items }, ctx) => {
    let total = 0;
    let first = true;
    for await (const x of items) {
      if (first) ctx.log('first item');
      first = false;
      total += x;
    }
    return total;
  },
);

describe('streaming edges in-process', () => {
  test('the consumer gets its first item before the producer ends', async () => {
    const events: IJobEvent[] = [];
    const wf = workflow('stream').step('count', count).step('sum', sum).connect('count', 'sum', { items: 'items' });
    const r = await run(wf, { n: 100 }, { cache: false, onEvent: (e) => events.push(e) });
    expect(r.data.total).toBe(5050);
    expectReadBeforeEnd(events, 'sum', /^first item$/, 'count');
    const dag = events.find((e) => e.dag)!.dag!;
    expect(dag.streams).toEqual([['count', 'sum']]);
  });

  test('a fast producer waits for a slow consumer (back-pressure)', async () => {
    let made = 0;
    let madeWhenPaused = -1;
    const fast = task({ name: 'fast', outputs: { items: { type: 'number', stream: true } } }, () =>
      (async function* () {
        for (let i = 0; i < 100_000; i++) {
          made++;
          yield i;
        }
      })(),
    );
    const slow = task(
      { name: 'slow', inputs: { items: { type: 'number', stream: true } }, outputs: { n: 'number' } },
      async ({ items }) => {
        let n = 0;
        for await (const _ of items) {
          if (n++ === 0) {
            await sleep(100);
            madeWhenPaused = made;
          }
        }
        return n;
      },
    );
    const wf = workflow('bp').step('fast', fast).step('slow', slow).connect('fast', 'slow', { items: 'items' });
    const r = await run(wf, {}, { cache: false });
    expect(r.data.n).toBe(100_000);
    // The channel holds 64 items; the producer is stopped near there, not at 100,000.
    expect(madeWhenPaused).toBeGreaterThan(0);
    expect(madeWhenPaused).toBeLessThan(200);
  });

  test('a 1 GiB stream moves in bounded memory', async () => {
    const CHUNK = 64 * 1024;
    const CHUNKS = 16 * 1024; // 1 GiB in all
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    const gen = task({ name: 'gen', outputs: { bytes: { type: 'python', stream: true } } }, () =>
      (async function* () {
        for (let i = 0; i < CHUNKS; i++) {
          // A fresh buffer each time: the data is generated, never stored.
          yield Buffer.alloc(CHUNK, i & 0xff);
          if ((i & 255) === 0) {
            const m = process.memoryUsage();
            peakRss = Math.max(peakRss, m.rss);
            peakHeap = Math.max(peakHeap, m.heapUsed);
          }
        }
      })(),
    );
    const bytes = task(
      { name: 'bytes', inputs: { bytes: { type: 'python', stream: true } }, outputs: { n: 'number' } },
      async ({ bytes }) => {
        let n = 0;
        for await (const b of bytes) n += (b as Buffer).length;
        return n;
      },
    );
    const wf = workflow('gib').step('gen', gen).step('bytes', bytes).connect('gen', 'bytes', { bytes: 'bytes' });
    const r = await run(wf, {}, { cache: false });
    expect(r.data.n).toBe(CHUNK * CHUNKS);
    const rssGrowth = (peakRss - before.rss) / 2 ** 20;
    const heapGrowth = (peakHeap - before.heapUsed) / 2 ** 20;
    process.stdout.write(`1 GiB stream: peak RSS growth ${rssGrowth.toFixed(0)} MiB, peak heap growth ${heapGrowth.toFixed(0)} MiB\n`);
    expect(rssGrowth).toBeLessThan(256);
    expect(heapGrowth).toBeLessThan(128);
  }, 120_000);

  test("a producer's failure ends its consumer with that error", async () => {
    const broken = task({ name: 'broken', outputs: { items: { type: 'number', stream: true } } }, () =>
      (async function* () {
        yield 1;
        throw new Error('producer broke');
      })(),
    );
    const wf = workflow('fail').step('broken', broken).step('sum', sum).connect('broken', 'sum', { items: 'items' });
    const err = await run(wf, {}, { cache: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowError);
    const failed = (err as WorkflowError).failed.map((f) => [f.step, f.error.message]);
    expect(failed).toEqual(
      expect.arrayContaining([
        ['broken', expect.stringMatching(/producer broke/)],
        ['sum', expect.stringMatching(/producer broke/)],
      ]),
    );
  });

  test('a consumer that stops reading early lets its producer end', async () => {
    const firstOnly = task(
      { name: 'firstOnly', inputs: { items: { type: 'number', stream: true } }, outputs: { x: 'number' } },
      async ({ items }) => {
        for await (const x of items) return x;
        return -1;
      },
    );
    const endless = task({ name: 'endless', outputs: { items: { type: 'number', stream: true } } }, () =>
      (async function* () {
        for (let i = 1; ; i++) yield i;
      })(),
    );
    const wf = workflow('early').step('endless', endless).step('first', firstOnly).connect('endless', 'first', { items: 'items' });
    const r = await run(wf, {}, { cache: false });
    expect(r.data.x).toBe(1);
  });

  test('a streaming output that is also a workflow output, or a run result, is kept whole', async () => {
    const words = task({ name: 'words', outputs: { text: { type: 'string', format: 'text', stream: true } } }, () =>
      (async function* () {
        yield 'a ';
        yield 'b ';
        yield 'c';
      })(),
    );
    expect((await run(words, {}, { cache: false })).data.text).toBe('a b c');
    const len = task(
      { name: 'len', inputs: { text: { type: 'string', format: 'text', stream: true } }, outputs: { n: 'number' } },
      async ({ text }) => {
        let n = 0;
        for await (const s of text) n += s.length;
        return n;
      },
    );
    const wf = workflow('both').step('words', words).step('len', len).connect('words', 'len', { text: 'text' }).spec;
    // The streamed output is a workflow output too.
    const spec = {
      ...wf,
      outputs: [...wf.outputs, words.spec.outputs[0]],
      connections: [...wf.connections!, { name: 'text', output_step: 'words', output: 'text' }],
    };
    const r = await runner.execute(spec, {}, { cache: false });
    expect(r.data).toEqual({ text: 'a b c', n: 5 });
  });

  test('a streaming output wired to an input that wants a whole value is a SpecError naming both ends', async () => {
    const whole = task({ name: 'whole', inputs: { items: 'number' }, outputs: { y: 'number' } }, ({ items }) => items);
    const wf = workflow('mismatch').step('count', count).step('whole', whole).connect('count', 'whole', { items: 'items' });
    const err = await run(wf, { n: 1 }, { cache: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toMatch(
      /output "items" of step "count" is a stream.*input "items" of step "whole" wants a whole value/,
    );
  });

  test('a streaming edge between two formats is a SpecError (items are not converted)', async () => {
    const lines = task({ name: 'lines', outputs: { t: { type: 'string', format: 'text', stream: true } } }, () =>
      (async function* () {
        yield 'x';
      })(),
    );
    const json = task(
      { name: 'json', inputs: { t: { type: 'string', format: 'json', stream: true } }, outputs: { n: 'number' } },
      async () => 0,
    );
    const wf = workflow('formats').step('lines', lines).step('json', json).connect('lines', 'json', { t: 't' });
    await expect(run(wf, {}, { cache: false })).rejects.toThrow(/needs one format at both ends/);
  });
});

describe('cancelling a streaming workflow', () => {
  test('stops its producer and its consumer', async () => {
    let closed = false;
    let read = 0;
    const endless = task({ name: 'endless', outputs: { items: { type: 'number', stream: true } } }, () =>
      (async function* () {
        try {
          for (let i = 0; ; i++) {
            await sleep(1);
            yield i;
          }
        } finally {
          closed = true;
        }
      })(),
    );
    const reader = task(
      { name: 'reader', inputs: { items: { type: 'number', stream: true } }, outputs: { n: 'number' } },
      async ({ items }) => {
        for await (const _ of items) read++;
        return read;
      },
    );
    const wf = workflow('cancel').step('endless', endless).step('reader', reader).connect('endless', 'reader', { items: 'items' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await expect(run(wf, {}, { cache: false, signal: controller.signal })).rejects.toBeInstanceOf(CanceledError);
    await sleep(100);
    expect(closed).toBe(true);
    const after = read;
    await sleep(100);
    expect(read).toBe(after);
  });
});

describe('retries and streaming steps', () => {
  test('a streaming step is not retried, even when the run asks for retries: its stream cannot be read twice', async () => {
    let attempts = 0;
    const flaky = task({ name: 'flaky', outputs: { items: { type: 'number', stream: true } } }, () => {
      attempts++;
      return (async function* () {
        yield 1;
        throw new Error('flaky producer');
      })();
    });
    const wf = workflow('no-retry').step('flaky', flaky).step('sum', sum).connect('flaky', 'sum', { items: 'items' });
    await expect(run(wf, {}, { cache: false, retries: { max: 2, backoff: 'fixed', delay: 1 } })).rejects.toThrow(/flaky producer/);
    expect(attempts).toBe(1);
  });
});

describe('StreamChannel', () => {
  test('a write past the mark waits until the reader takes an item', async () => {
    const c = new StreamChannel<number>({ highWaterMark: 2 });
    expect(c.write(1)).toBeUndefined();
    const w = c.write(2);
    expect(w).toBeInstanceOf(Promise);
    let released = false;
    void (w as Promise<void>).then(() => (released = true));
    await sleep(5);
    expect(released).toBe(false);
    const it = c[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 1, done: false });
    await sleep(0);
    expect(released).toBe(true);
    c.end();
    expect(await it.next()).toEqual({ value: 2, done: false });
    expect((await it.next()).done).toBe(true);
  });
});
