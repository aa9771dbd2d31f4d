/**
 * Attack 8 of the safety issue, against a loopback server: an http input that stops sending, or
 * trickles, is stopped by an idle timeout (default 30 s, set per binding or per fetch cache; each
 * window must move 1 KiB), and a redirect
 * loop, a redirect to `file://` or a refused connection fail with an IoError that says which,
 * instead of fetch's bare `fetch failed`.
 */
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_IDLE_TIMEOUT, FetchCache, IoError, MIN_BYTES_PER_WINDOW, createRunner, task } from '@taskcell/core';
import type { Runner } from '@taskcell/core';

const scratch = mkdtempSync(join(tmpdir(), 'tc-sec-http-'));
let server: Server;
let base = '';
let runner: Runner;
const trickles = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((req, res) => {
    switch (req.url) {
      case '/stall':
        // Headers and one byte, then nothing, ever.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('x');
        trickles.add(res);
        return;
      case '/trickle': {
        // A byte every 50 ms, for ever: never idle, never done.
        res.writeHead(200, { 'content-type': 'text/plain' });
        trickles.add(res);
        const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write('x')), 50);
        return;
      }
      case '/silent':
        // Not even headers.
        trickles.add(res);
        return;
      case '/loop-a':
        res.writeHead(302, { location: '/loop-b' }).end();
        return;
      case '/loop-b':
        res.writeHead(301, { location: `${base}/loop-a` }).end();
        return;
      case '/to-file':
        res.writeHead(302, { location: 'file:///etc/passwd' }).end();
        return;
      case '/hop':
        res.writeHead(307, { location: '/ok' }).end();
        return;
      case '/ok':
        res.end('fine');
        return;
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  runner = createRunner({ cacheDir: join(scratch, 'cache') });
});

afterAll(async () => {
  for (const r of trickles) r.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(scratch, { recursive: true, force: true });
});

const echo = task({ inputs: { f: { type: 'string', format: 'text' } }, outputs: { text: 'string' } }, ({ f }) => f);
const fails = (r: Runner, binding: Record<string, unknown>): Promise<unknown> =>
  r.execute(echo.spec, { f: binding }, { cache: false }).then(
    () => new Error('expected the input to fail'),
    (e: unknown) => e,
  );

describe('attack 8: http inputs cannot hang a job or hide why they failed', () => {
  test('there is a default idle timeout', () => {
    expect(DEFAULT_IDLE_TIMEOUT).toBe(30_000);
    expect(new FetchCache({ dir: join(scratch, 'x') }).idleTimeout).toBe(DEFAULT_IDLE_TIMEOUT);
  });

  test.each(['/stall', '/silent'])('%s: a binding idleTimeout stops the transfer with an IoError naming the limit', async (route) => {
    for (const cache of [true, false]) {
      const started = Date.now();
      const err = await fails(runner, { url: `${base}${route}`, idleTimeout: 400, cache });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(err).toBeInstanceOf(IoError);
      const what = route === '/silent' ? 'sent nothing for 400 ms' : 'moved only 1 bytes in 400 ms, under 1024 bytes';
      expect((err as IoError).message).toBe(`GET ${base}${route} ${what}, over the idle timeout of 400 ms`);
      expect((err as IoError).context).toMatchObject({ port: 'f', idleTimeout: 400 });
    }
  });

  test('a trickle (a byte every 50 ms) is stopped as well: a window must move 1 KiB', async () => {
    const started = Date.now();
    const err = await fails(runner, { url: `${base}/trickle`, idleTimeout: 600, cache: false });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toMatch(/moved only \d+ bytes in 600 ms, under 1024 bytes, over the idle timeout of 600 ms/);
    expect(MIN_BYTES_PER_WINDOW).toBe(1024);
  });

  test("the fetch cache's idleTimeout is the default for every binding", async () => {
    const quick = createRunner({
      cacheDir: join(scratch, 'quick'),
      fetchCache: new FetchCache({ dir: join(scratch, 'quick', 'fetch'), idleTimeout: 300 }),
    });
    const started = Date.now();
    const err = await fails(quick, { url: `${base}/stall` });
    expect(Date.now() - started).toBeLessThan(5000);
    expect((err as IoError).message).toMatch(/idle timeout of 300 ms/);
  });

  test('a redirect loop says so, with the way round it', async () => {
    const err = await fails(runner, { url: `${base}/loop-a`, cache: false });
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toBe(`GET ${base}/loop-a is a redirect loop: ${base}/loop-a -> ${base}/loop-b -> ${base}/loop-a`);
  });

  test('a redirect to file:// is refused and says so', async () => {
    const err = await fails(runner, { url: `${base}/to-file`, cache: false });
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toMatch(/was redirected to "file:\/\/\/etc\/passwd"; expected an http or https URL, got file:/);
    expect((err as IoError).context).toMatchObject({ location: 'file:///etc/passwd' });
  });

  test('a refused connection keeps its real cause', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await fails(runner, { url: `http://127.0.0.1:${port}/x`, cache: false });
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toMatch(/ECONNREFUSED/);
  });

  test('ordinary redirects are still followed', async () => {
    const r = await runner.execute(echo.spec, { f: { url: `${base}/hop` } }, { cache: false });
    expect(r.data.text).toBe('fine');
  });
});
