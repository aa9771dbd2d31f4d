// A timeout (or Ctrl-C) stops CPU-bound JavaScript wherever the task runs: in `taskcell run`, on
// pool threads, in a kernel cell, and on remote workers, where a poison job fails once and the
// pool goes on.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemotePool, ThreadPool } from '@taskcell/pool';
import { createRunner, parseTask } from '@taskcell/core';
import { ROOT, startRedis } from '../pool/redis';
import type { IRedisServer } from '../pool/redis';
import { spawnWorker } from '../pool/workers';
import type { IWorkerProcess } from '../pool/workers';
import { KernelClient } from '../kernel/client';
import { spinCell, timeoutCell } from '../kernel/spin-cells';
import { scriptTask } from './script-task';

const CLI = join(ROOT, 'kernel', 'bin', 'taskcell.js');
const dir = mkdtempSync(join(tmpdir(), 'tc-timeouts-'));
const LOOP = scriptTask('spin', 'while (true) {}', {}, { y: 'number' });
const INC = scriptTask('inc', 'y = x + 1', { x: 'number' }, { y: 'number' });
const loopSpec = join(dir, 'spin.json');
writeFileSync(loopSpec, JSON.stringify(LOOP));

/** Run the CLI; resolves with its exit code, stderr and how long it took; `onStderr` sees stderr as it comes. */
function taskcell(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void) {
  const t0 = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr, child);
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stderr, ms: Date.now() - t0 });
    }),
  );
}

describe('taskcell run', () => {
  test('while (true) {} with --timeout 2000 exits 1 with a TimeoutError within 3 s of the job starting', async () => {
    let started = 0;
    const r = await taskcell(['run', loopSpec, '--timeout', '2000', '--no-cache', '--events'], (text) => {
      if (!started && text.includes('"RUNNING"')) started = Date.now();
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/taskcell:timeout/);
    expect(started).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(3000);
  }, 30_000);

  test('Ctrl-C (SIGINT) stops while (true) {} and exits 130', async () => {
    let sent = 0;
    const r = await taskcell(['run', loopSpec, '--no-cache', '--events'], (text, child) => {
      if (!sent && text.includes('"RUNNING"')) {
        sent = Date.now();
        setTimeout(() => child.kill('SIGINT'), 300);
      }
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/taskcell:canceled/);
    expect(Date.now() - sent).toBeLessThan(3000);
  }, 30_000);
});

describe('threads', () => {
  const runner = createRunner({ cacheDir: join(dir, 'cache') });
  const pool = new ThreadPool({ size: 1 });
  runner.registerPool('threads', () => pool);
  afterAll(() => pool.close());

  test('a timeout stops the thread; the slot is replaced and the next job runs', async () => {
    const t0 = Date.now();
    await expect(runner.execute(parseTask(LOOP), {}, { on: 'threads', timeout: 2000 })).rejects.toMatchObject({ code: 'taskcell:timeout' });
    expect(Date.now() - t0).toBeLessThan(4000);
    const r = await runner.execute(parseTask(INC), { x: 1 }, { on: 'threads', cache: false });
    expect(r.data.y).toBe(2);
  }, 30_000);

  test('a cancel stops the thread, and a job beside it on the same thread starts again elsewhere', async () => {
    const spin = runner.execute(parseTask(LOOP), {}, { on: 'threads', jobId: 'spin-1', cache: false });
    const caught = spin.catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 500));
    const beside = runner.execute(parseTask(INC), { x: 41 }, { on: 'threads', cache: false });
    expect(runner.cancel('spin-1')).toBe(true);
    expect(await caught).toMatchObject({ code: 'taskcell:canceled' });
    expect((await beside).data.y).toBe(42);
  }, 30_000);
});

describe('kernel cell', () => {
  const k = new KernelClient();
  beforeAll(() => k.start(), 60_000);
  afterAll(() => k.close());

  test('run(task, {}, { timeout: 2000 }) of while (true) {} ends the cell with a TimeoutError, and the next cell runs', async () => {
    const t0 = Date.now();
    const { reply, iopub } = await k.execute(timeoutCell('spin', 2000));
    expect(reply.content.status).toBe('ok');
    expect(iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data).toMatchObject({ 'text/plain': "'taskcell:timeout'" });
    expect(Date.now() - t0).toBeLessThan(10_000);
    const next = await k.execute('1 + 1');
    expect(next.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data).toMatchObject({ 'text/plain': '2' });
  }, 60_000);
  test('an interrupt_request ends await run(task) of while (true) {} without a timeout, and the next cell runs', async () => {
    const running = k.execute(spinCell('spin2'));
    // Interrupted once the task's loop runs (it prints first).
    await k.waitFor((m) => m.header.msg_type === 'stream' && String(m.content.text).includes('looping'));
    await new Promise((r) => setTimeout(r, 300));
    await k.request('interrupt_request', {}, 'control');
    const { reply } = await running;
    expect(reply.content.status).toBe('error');
    const next = await k.execute('2 + 2');
    expect(next.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data).toMatchObject({ 'text/plain': '4' });
  }, 60_000);
});

describe('remote workers', () => {
  let redis: IRedisServer;
  const workers: IWorkerProcess[] = [];
  let pool: RemotePool;
  const runner = createRunner({ cacheDir: join(dir, 'remote-cache') });

  beforeAll(async () => {
    redis = await startRedis();
    const url = `${redis.url}?queue=poison`;
    // Locks shorter than the timeout, looked after often: a job whose loop holds its worker past its lock must not be taken again.
    const fast = ['--lock', '1000', '--stalled', '500'];
    workers.push(await spawnWorker(url, 'poison-a', fast), await spawnWorker(url, 'poison-b', fast));
    pool = new RemotePool({ url });
    runner.registerPool('redis', () => pool);
  }, 60_000);

  afterAll(async () => {
    await pool?.close();
    await Promise.all(workers.map((w) => w.stop()));
    await redis?.stop();
  });

  test('a poison job fails once with a TimeoutError; 3 jobs sent after it finish within 10 s', async () => {
    const on = `${redis.url}?queue=poison`;
    // The poison job marks each start in a file, then loops.
    const starts = join(dir, 'poison-starts');
    writeFileSync(starts, '');
    const marked = scriptTask('poison', `fs.appendFileSync(${JSON.stringify(starts)}, 'x'); while (true) {}`, {}, { y: 'number' });
    const poison = runner.execute(parseTask(marked), {}, { on, timeout: 2000, cache: false }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const jobs = [1, 2, 3].map((x) => runner.execute(parseTask(INC), { x }, { on, cache: false }));
    const done = await Promise.all(jobs);
    expect(done.map((r) => r.data.y)).toEqual([2, 3, 4]);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await poison).toMatchObject({ code: 'taskcell:timeout' });
    // Failed once: it is not back in the queue (locks expire in 1 s and are looked after every 0.5 s), and the pool goes on.
    await new Promise((r) => setTimeout(r, 3000));
    expect(readFileSync(starts, 'utf8')).toBe('x');
    const more = await runner.execute(parseTask(INC), { x: 10 }, { on, cache: false });
    expect(more.data.y).toBe(11);
    expect(workers.every((w) => w.child.exitCode === null)).toBe(true);
  }, 60_000);
});
