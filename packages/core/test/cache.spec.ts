import { DiskResultCache, FetchCache, IoError, createRunner, freeVariables, run, setRunner, task, workflow } from '@taskcell/core';
import type { IJobEvent, Runner } from '@taskcell/core';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshRunner } from './helpers';

type Counter = { __runs?: Record<string, number> };
/**
 * Tasks count their runs on globalThis, each with its own name written in: a task that captured a
 * counter (or its name) from its scope would rightly not be cacheable.
 */
const tasks = {
  a: task({ name: 'a', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => {
    const g = globalThis as unknown as { __runs: Record<string, number> };
    g.__runs.a = (g.__runs.a ?? 0) + 1;
    return x * 2;
  }),
  b: task({ name: 'b', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => {
    const g = globalThis as unknown as { __runs: Record<string, number> };
    g.__runs.b = (g.__runs.b ?? 0) + 1;
    return x * 2;
  }),
};
const counted = (name: 'a' | 'b') => tasks[name];
const runs = (name: string) => (globalThis as Counter).__runs?.[name] ?? 0;

let runner: Runner;
beforeEach(() => {
  runner = freshRunner();
  (globalThis as Counter).__runs = {};
});

describe('result cache', () => {
  test('a workflow run twice with unchanged inputs executes no task the second time', async () => {
    const a = counted('a');
    const b = counted('b');
    const wf = workflow().step('a', a).step('b', b).connect('a.y', 'b.x');
    const first = await run(wf, { x: 1 });
    expect(runs('a') + runs('b')).toBe(2);
    const events: IJobEvent[] = [];
    const second = await run(wf, { x: 1 }, { onEvent: (e) => events.push(e) });
    expect(runs('a') + runs('b')).toBe(2);
    expect(second.data).toEqual(first.data);
    expect(
      events
        .filter((e) => e.kind === 'cache' && e.cache!.hit)
        .map((e) => e.step)
        .sort(),
    ).toEqual(['a', 'b']);
    // A changed input runs again, and only what it reaches.
    await run(wf, { x: 2 });
    expect(runs('a') + runs('b')).toBe(4);
  });

  test('results persist on disk for another runner with the same cache directory', async () => {
    const t = counted('a');
    await run(t, { x: 3 });
    const dir = (runner as unknown as { cacheDir: string }).cacheDir;
    setRunner(createRunner({ cacheDir: dir }));
    const r = await run(t, { x: 3 });
    expect(r.cached).toBe(true);
    expect(r.data.y).toBe(6);
    expect(runs('a')).toBe(1);
  });

  test('opt out per run and per task', async () => {
    const t = counted('b');
    await run(t, { x: 1 }, { cache: false });
    await run(t, { x: 1 }, { cache: false });
    expect(runs('b')).toBe(2);
    const never = task({ name: 'never', cache: false, inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => {
      const g = globalThis as Counter;
      g.__runs!.never = (g.__runs!.never ?? 0) + 1;
      return x;
    });
    await run(never, { x: 1 });
    await run(never, { x: 1 });
    expect(runs('never')).toBe(2);
  });

  test('a task that captures variables from its scope is not cached, and the event says why', async () => {
    let factor = 2;
    const t = task({ inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x * factor);
    expect((await run(t, { x: 1 })).data.y).toBe(2);
    factor = 3;
    const events: IJobEvent[] = [];
    const r = await run(t, { x: 1 }, { onEvent: (e) => events.push(e) });
    expect(r.data.y).toBe(3);
    expect(events.find((e) => e.kind === 'cache')!.cache).toEqual({
      hit: false,
      skipped: 'the task function captures factor from its scope',
    });
  });

  test('a cached result is a fresh copy: mutating it does not change the cache', async () => {
    const t = task({ inputs: { n: 'integer' }, outputs: { xs: 'integer_list' } }, ({ n }) => Array.from({ length: n }, (_, i) => i));
    const a = await run(t, { n: 3 });
    (a.data.xs as number[]).push(99);
    const b = await run(t, { n: 3 });
    expect(b.cached).toBe(true);
    expect(b.data.xs).toEqual([0, 1, 2]);
  });
});

describe('disk result cache', () => {
  const result = (i: number) => ({ outputs: { y: { format: 'string', data: `${i}`.padEnd(1000, '.') } } });
  const files = (dir: string) => readdirSync(dir).flatMap((s) => readdirSync(join(dir, s)).filter((f) => !f.endsWith('.part')));

  test('keeps at most maxBytes on disk, evicting the least recently used results first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-lru-'));
    const cache = new DiskResultCache({ dir, maxBytes: 10_000, maxMemoryBytes: 0 });
    const key = (i: number) => `${String(i).padStart(2, '0')}`.repeat(32);
    for (let i = 0; i < 8; i++) cache.set(key(i), result(i));
    await cache.flush();
    // Read the oldest one back: it becomes the most recently used.
    expect(cache.get(key(0))?.from).toBe('disk');
    for (let i = 8; i < 12; i++) cache.set(key(i), result(i));
    await cache.flush();
    expect(cache.sizeOnDisk).toBeLessThanOrEqual(10_000);
    const kept = files(dir);
    expect(kept).toContain(key(0));
    expect(kept).toContain(key(11));
    expect(kept).not.toContain(key(1));
    expect(kept.length).toBeLessThan(10);
  });

  test('storing returns before the file is written, and the result is found meanwhile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-async-'));
    const cache = new DiskResultCache({ dir });
    cache.set('ab'.repeat(32), result(1));
    expect(new DiskResultCache({ dir }).get('ab'.repeat(32))?.outputs).toEqual(result(1).outputs);
    await cache.flush();
    expect(files(dir)).toEqual(['ab'.repeat(32)]);
  });
});

describe('free variables', () => {
  test('finds captured names, not parameters, locals, globals or property names', () => {
    const k = 1;
    const helper = (v: number) => v;
    expect(freeVariables(({ x }: { x: number }) => Math.max(x, k) + helper(x)).captured).toEqual(['helper', 'k']);
    expect(
      freeVariables(function named(this: unknown, a: number, ...rest: number[]) {
        const [b = 2, { c } = { c: 3 }] = rest as unknown as [number, { c: number }];
        const o = { k: a, ['x']: b };
        try {
          return JSON.stringify(o) + c + named.length;
        } catch (err) {
          return String(err);
        }
      }).captured,
    ).toEqual([]);
  });
});

describe('fetch cache and http inputs', () => {
  let server: Server;
  let base: string;
  const hits: Record<string, number> = {};
  const body = Buffer.alloc(3 * 1024 * 1024, 'x');
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits[req.url!] = (hits[req.url!] ?? 0) + 1;
      if (req.url === '/etag.txt') {
        if (req.headers['if-none-match'] === '"v1"') return res.writeHead(304).end();
        return res.writeHead(200, { etag: '"v1"' }).end('truth');
      }
      if (req.url === '/named')
        return res.writeHead(200, { 'content-disposition': 'attachment; filename="ground-truth.csv"' }).end('a,b\n1,2\n');
      if (req.url === '/big') return res.writeHead(200, { 'content-length': String(body.length) }).end(body);
      if (req.url?.startsWith('/plain/')) return res.end(`content of ${req.url}`);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('the second download of a validated resource moves no body bytes', async () => {
    const cache = new FetchCache({ dir: mkdtempSync(join(tmpdir(), 'tc-fetch-')) });
    const a = await cache.fetch(`${base}/etag.txt`, { method: 'GET', headers: {} });
    const bytes = cache.stats.bytesDownloaded;
    const b = await cache.fetch(`${base}/etag.txt`, { method: 'GET', headers: {} });
    expect([a.hit, b.hit]).toEqual([false, true]);
    expect(cache.stats.bytesDownloaded).toBe(bytes);
    expect(cache.stats.revalidated).toBe(1);
    expect(readFileSync(b.path, 'utf8')).toBe('truth');
  });

  test('least recently used entries are evicted past the size limit', async () => {
    const cache = new FetchCache({ dir: mkdtempSync(join(tmpdir(), 'tc-fetch-')), maxBytes: 60 });
    for (const n of ['a', 'b', 'c']) await cache.fetch(`${base}/plain/${n}`, { method: 'GET', headers: {} });
    // Each body is 20 bytes: all three fit (60). A fourth evicts the least recently used ("a").
    await new Promise((r) => setTimeout(r, 20));
    await cache.fetch(`${base}/plain/b`, { method: 'GET', headers: {} });
    await cache.fetch(`${base}/plain/c`, { method: 'GET', headers: {} });
    await cache.fetch(`${base}/plain/d`, { method: 'GET', headers: {} });
    expect(cache.stats.evictions).toBe(1);
    const before = hits['/plain/a'];
    await cache.fetch(`${base}/plain/a`, { method: 'GET', headers: {} });
    expect(hits['/plain/a']).toBe(before + 1);
    const bHits = hits['/plain/b'];
    await cache.fetch(`${base}/plain/c`, { method: 'GET', headers: {} });
    expect(hits['/plain/b']).toBe(bHits);
  });

  test('maxSize refuses a larger download with an IoError', async () => {
    const t = task({ inputs: { f: { type: 'string', format: 'text' } }, outputs: { n: 'integer' } }, ({ f }) => f.length);
    const err = await run(t, { f: { url: `${base}/big`, maxSize: 1024 } }, { cache: false }).catch((e) => e);
    expect(err).toBeInstanceOf(IoError);
    expect(err.message).toMatch(/over the binding's maxSize of 1024/);
  });

  test('a filepath port gets a file streamed to disk, named from Content-Disposition', async () => {
    const t = task(
      { inputs: { f: { type: 'string', format: 'text', target: 'filepath' } }, outputs: { name: 'string', size: 'integer' } },
      ({ f }) => ({ name: f.split('/').pop()!, size: statSync(f).size }),
    );
    expect((await run(t, { f: { url: `${base}/named` } }, { cache: false })).data).toEqual({ name: 'ground-truth.csv', size: 8 });
    expect((await run(t, { f: { url: `${base}/big` } }, { cache: false })).data).toEqual({ name: 'big', size: body.length });
  });

  test('a download with cache: false leaves nothing behind in the cache, as data or as a file', async () => {
    const dir = runner.cacheDir;
    const asText = task({ inputs: { f: { type: 'string', format: 'text' } }, outputs: { y: 'string' } }, ({ f }) => f);
    const asFile = task({ inputs: { f: { type: 'string', format: 'text', target: 'filepath' } }, outputs: { y: 'string' } }, ({ f }) =>
      readFileSync(f, 'utf8'),
    );
    for (const t of [asText, asFile]) {
      const out = await run(t, { f: { url: `${base}/plain/once`, cache: false } }, { cache: false });
      expect(out.data.y).toBe('content of /plain/once');
    }
    expect(readdirSync(join(dir, 'fetch', 'nocache'))).toEqual([]);
    // A cached download stays, for the next job.
    await run(asText, { f: { url: `${base}/plain/kept` } }, { cache: false });
    expect(readdirSync(join(dir, 'fetch')).filter((n) => n.endsWith('.body'))).toHaveLength(1);
  });

  test('a bound http input is fetched once for many jobs (the fetch cache is shared)', async () => {
    const t = task(
      { inputs: { f: { type: 'string', format: 'text' }, i: 'integer' }, outputs: { y: 'string' } },
      ({ f, i }) => `${i}:${f}`,
    );
    const before = hits['/plain/shared'] ?? 0;
    const rs = await Promise.all([1, 2, 3, 4].map((i) => run(t, { f: { url: `${base}/plain/shared` }, i }, { cache: false })));
    expect(rs.map((r) => r.data.y)).toEqual([1, 2, 3, 4].map((i) => `${i}:content of /plain/shared`));
    expect(hits['/plain/shared'] - before).toBe(1);
  });
});
