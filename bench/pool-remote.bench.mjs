// RemotePool against raw BullMQ on the same redis-server with the same concurrency (a `taskcell worker`
// child process against a raw BullMQ Worker child process running the same no-op; throughput with 16
// jobs in flight, then latency one job at a time), and a 200-step workflow on 2 remote workers
// against the same workflow in-process.
//   node bench/pool-remote.bench.mjs      (after `npm run build`; needs redis-server on PATH; BENCH_N=...;
//   BENCH_TIMEOUT=MS gives every taskcell job a timeout, so the workers run them under the watchdog)
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from './redis-server.mjs';

const require = createRequire(import.meta.url);
const core = require('../packages/core/lib/index.js');
const pool = require('../packages/pool/lib/index.js');
const { Queue, QueueEvents } = require('bullmq');

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const N = Number(process.env.BENCH_N ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const STEPS = 200;

const server = await startRedisServer();
const { port, url, dir } = server;
const redis = server.child;
const children = [redis];
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };

function waitLine(child, text) {
  return new Promise((res, rej) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      if (err.includes(text)) res();
    });
    child.once('exit', (c) => rej(new Error(`exited ${c}: ${err}`)));
  });
}
async function taskcellWorker(queue, name, concurrency) {
  const c = spawn(
    process.execPath,
    [
      join(root, 'kernel/bin/taskcell.js'),
      'worker',
      '--redis',
      `${url}?queue=${queue}`,
      '--name',
      name,
      '--concurrency',
      String(concurrency),
    ],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  children.push(c);
  await waitLine(c, 'taking jobs');
  return c;
}
async function rawWorker(queue, concurrency) {
  const c = spawn(process.execPath, [join(here, 'fixtures', 'raw-bullmq-worker.cjs'), String(port), queue, String(concurrency)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(c);
  await waitLine(c, 'ready');
  return c;
}
await new Promise((r) => setTimeout(r, 300));

const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** CPU milliseconds a process has used (user + system), from /proc; this process's own from process.cpuUsage(). */
const ticks = 100;
function cpuMs(pid) {
  if (pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  const f = `/proc/${pid}/stat`;
  if (!existsSync(f)) return NaN;
  const fields = readFileSync(f, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / ticks) * 1000;
}

/** Throughput: N jobs with at most `inflight` outstanding, with the CPU each process spent per job; latency: one job at a time, 500 of them. */
async function measure(submit, inflight, worker) {
  let next = 0;
  const pids = { client: process.pid, worker: worker.pid, redis: redis.pid };
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const t0 = now();
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < N) await submit(next++);
    }),
  );
  const rate = (N / (now() - t0)) * 1000;
  const cpu = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, ((cpuMs(pid) - cpu0[k]) / N) * 1000]));
  const lat = [];
  for (let i = 0; i < 500; i++) {
    const s = now();
    await submit(i);
    lat.push(now() - s);
  }
  return { rate, cpu, p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}

// --- raw BullMQ: add + wait for the completed event, through QueueEvents.
const rawChild = await rawWorker('raw', CONCURRENCY);
const rawQueue = new Queue('raw', { connection });
const rawEvents = new QueueEvents('raw', { connection });
await rawEvents.waitUntilReady();
const waiting = new Map();
rawEvents.on('completed', ({ jobId, returnvalue }) => {
  const w = waiting.get(jobId);
  if (w) {
    waiting.delete(jobId);
    w(returnvalue);
  }
});
let rawId = 0;
const rawSubmit = (i) =>
  new Promise((res) => {
    const id = `r${rawId++}`;
    waiting.set(id, res);
    rawQueue.add('noop', { x: i }, { jobId: id, removeOnComplete: { age: 600 }, removeOnFail: { age: 600 } });
  });

// --- taskcell: run(task, inputs, {on: redis://...}).
const tcChild = await taskcellWorker('tc', 'bench-tc', CONCURRENCY);
const runner = core.createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-bench-')) });
core.setRunner(runner);
pool.registerPools(runner);
const noop = core.task({ name: 'noop', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x + 1);
const on = `${url}?queue=tc`;
const timeout = process.env.BENCH_TIMEOUT ? { timeout: Number(process.env.BENCH_TIMEOUT) } : {};
const tcSubmit = (i) => core.run(noop, { x: i }, { on, cache: false, ...timeout });

// One warm-up round each, then 3 alternating rounds; the best figure of each side (the machine may be shared).
await measure(rawSubmit, CONCURRENCY, rawChild);
await measure(tcSubmit, CONCURRENCY, tcChild);
const best = (a, b) =>
  a
    ? { rate: Math.max(a.rate, b.rate), cpu: a.rate >= b.rate ? a.cpu : b.cpu, p50: Math.min(a.p50, b.p50), p99: Math.min(a.p99, b.p99) }
    : b;
let raw;
let tc;
for (let r = 0; r < 3; r++) {
  raw = best(raw, await measure(rawSubmit, CONCURRENCY, rawChild));
  tc = best(tc, await measure(tcSubmit, CONCURRENCY, tcChild));
}
console.log(
  `${N.toLocaleString('en')} no-op jobs, ${CONCURRENCY} in flight, one worker process of concurrency ${CONCURRENCY} each, loopback redis-server`,
);
console.log(
  `raw BullMQ (add + QueueEvents completed)  ${Math.round(raw.rate).toLocaleString('en')} jobs/s   one at a time p50 ${raw.p50.toFixed(2)} ms  p99 ${raw.p99.toFixed(2)} ms`,
);
console.log(
  `RemotePool via run(..., {on: redis})       ${Math.round(tc.rate).toLocaleString('en')} jobs/s   one at a time p50 ${tc.p50.toFixed(2)} ms  p99 ${tc.p99.toFixed(2)} ms`,
);
const cpuLine = (c) => `client ${c.client.toFixed(0)} µs, worker ${c.worker.toFixed(0)} µs, redis ${c.redis.toFixed(0)} µs`;
console.log(`CPU per job, raw BullMQ                    ${cpuLine(raw.cpu)}`);
console.log(`CPU per job, RemotePool                    ${cpuLine(tc.cpu)}`);
console.log(`throughput ratio RemotePool/raw BullMQ     ${(tc.rate / raw.rate).toFixed(2)}x (target >= 0.8); p50 target < 1.5 ms`);

// --- a 200-step workflow (fan-out of 200 independent 5 ms steps, 5 deep chains of 40) on 2 remote workers vs in-process.
await Promise.all([taskcellWorker('wf', 'wf-a', 8), taskcellWorker('wf', 'wf-b', 8)]);
const work = core.task({ name: 'work', inputs: { x: 'number' }, outputs: { x: 'number' } }, ({ x }) => {
  const end = Date.now() + 5;
  while (Date.now() < end);
  return x + 1;
});
let wf = core.workflow('bench200');
for (let c = 0; c < 5; c++) for (let s = 0; s < STEPS / 5; s++) wf = wf.step(`c${c}s${s}`, work);
for (let c = 0; c < 5; c++) for (let s = 1; s < STEPS / 5; s++) wf.connect(`c${c}s${s - 1}`, `c${c}s${s}`, { x: 'x' });
const inputs = Object.fromEntries(Array.from({ length: 5 }, (_, c) => [`c${c}s0.x`, 0]));
async function wfTime(where) {
  const t0 = now();
  const r = await core.run(wf, inputs, { on: where, cache: false });
  if (Object.keys(r.data).length !== 5) throw new Error('workflow outputs missing');
  return now() - t0;
}
await wfTime(`${url}?queue=wf`);
await wfTime(undefined);
const wfRemote = Math.min(await wfTime(`${url}?queue=wf`), await wfTime(`${url}?queue=wf`));
const wfHere = Math.min(await wfTime(undefined), await wfTime(undefined));
console.log(`200-step workflow (5 chains of 40 steps, each step 5 ms of CPU), best of 2`);
console.log(`in-process                                 ${wfHere.toFixed(0)} ms`);
console.log(
  `2 remote workers                           ${wfRemote.toFixed(0)} ms   ratio in-process/remote ${(wfHere / wfRemote).toFixed(2)}x`,
);

await runner.close();
await rawEvents.close();
await rawQueue.close();
for (const c of children.reverse()) c.kill('SIGKILL');
rmSync(dir, { recursive: true, force: true });
