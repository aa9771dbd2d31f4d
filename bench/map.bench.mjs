// map against its peers: (1) a map of N no-op items on 2 remote workers against raw BullMQ addBulk of
// the same items to 2 raw BullMQ Worker processes of the same concurrency, waiting for every
// completion (throughput, target >= 0.8x; the map's items travel in chunks, and the same map with one
// queue job per item is printed beside it); (2) a 10,000-item map on threads against piscina running
// the same function on as many threads (target >= 0.8x); (3) run-record writes into SQLite in batched
// transactions (target >= 5,000/s). Best of 3 alternating rounds after a warm-up.
//   node bench/map.bench.mjs     (after `npm run build`; needs redis-server on PATH; BENCH_N=... for (1))
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const core = require('../packages/core/lib/index.js');
const pool = require('../packages/pool/lib/index.js');
const { Queue, QueueEvents } = require('bullmq');
const { Piscina } = require('piscina');

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const N = Number(process.env.BENCH_N ?? 3000);
const N_THREADS = 10_000;
const CONCURRENCY = 16;
const ROUNDS = 3;
const now = () => Number(process.hrtime.bigint()) / 1e6;

const port = await new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
const redis = spawn(
  'redis-server',
  [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    mkdtempSync(join(tmpdir(), 'tc-bench-redis-')),
    '--save',
    '',
    '--appendonly',
    'no',
  ],
  { stdio: 'ignore' },
);
const children = [redis];
const url = `redis://127.0.0.1:${port}`;
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
await new Promise((r) => setTimeout(r, 300));

// BENCH_PROF=DIR: the worker processes write CPU profiles there.
const prof = process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : [];
function started(child, text) {
  children.push(child);
  return new Promise((res, rej) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      if (err.includes(text)) res(child);
    });
    child.once('exit', (c) => rej(new Error(`exited ${c}: ${err}`)));
  });
}
const taskcellWorker = (name) =>
  started(
    spawn(
      process.execPath,
      [
        ...prof,
        join(root, 'kernel/bin/taskcell.js'),
        'worker',
        '--redis',
        `${url}?queue=map`,
        '--name',
        name,
        '--concurrency',
        String(CONCURRENCY),
      ],
      {
        cwd: root,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    ),
    'taking jobs',
  );
const rawWorker = () =>
  started(
    spawn(process.execPath, [...prof, join(here, 'fixtures', 'raw-bullmq-worker.cjs'), String(port), 'raw', String(CONCURRENCY)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
    'ready',
  );
await Promise.all([taskcellWorker('map-a'), taskcellWorker('map-b'), rawWorker(), rawWorker()]);

const runner = core.createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-bench-')) });
core.setRunner(runner);
pool.registerPools(runner);
const threads = availableParallelism();
const tp = new pool.ThreadPool({ size: threads });
runner.registerPool('threads', () => tp);
const spec = core.toSpec(core.task({ name: 'noop', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x + 1));

// --- (1) remote: map against addBulk.
const rawQueue = new Queue('raw', { connection });
const rawEvents = new QueueEvents('raw', { connection });
await rawEvents.waitUntilReady();
let rawDone = 0;
let rawWake = () => {};
rawEvents.on('completed', () => {
  rawDone++;
  rawWake();
});
let batch = 0;
async function rawBulk(n) {
  const b = batch++;
  rawDone = 0;
  const t0 = now();
  const all = new Promise((res) => (rawWake = () => rawDone >= n && res()));
  await rawQueue.addBulk(
    Array.from({ length: n }, (_, i) => ({ name: 'noop', data: { x: i }, opts: { jobId: `b${b}-${i}`, removeOnComplete: { age: 600 } } })),
  );
  await all;
  return now() - t0;
}
const items = (n) => Array.from({ length: n }, (_, i) => i);
async function mapRemote(n, query = '&chunk=64') {
  const t0 = now();
  const r = await core.mapOn(runner, spec, items(n), { on: `${url}?queue=map${query}`, cache: false, concurrency: 1024 });
  if (r.done !== n) throw new Error(`map: ${r.done} of ${n} done, ${r.failed} failed: ${r.items.find((it) => it.error)?.error?.message}`);
  return now() - t0;
}
await rawBulk(N);
await mapRemote(N);
await mapRemote(N, '&chunk=1');
let raw = Infinity;
let tc = Infinity;
let alone = Infinity;
for (let r = 0; r < ROUNDS; r++) {
  raw = Math.min(raw, await rawBulk(N));
  tc = Math.min(tc, await mapRemote(N));
  alone = Math.min(alone, await mapRemote(N, '&chunk=1'));
}
const rate = (n, t) => Math.round((n / t) * 1000).toLocaleString('en');
console.log(
  `(1) ${N.toLocaleString('en')} no-op items, 2 worker processes of concurrency ${CONCURRENCY} each, loopback redis-server, best of ${ROUNDS}`,
);
console.log(`raw BullMQ addBulk + QueueEvents   ${raw.toFixed(0)} ms  (${rate(N, raw)} items/s)`);
console.log(
  `map(task, list, {on: redis})       ${tc.toFixed(0)} ms  (${rate(N, tc)} items/s)  throughput ratio ${(raw / tc).toFixed(2)}x (target >= 0.8)`,
);
console.log(`map per-item overhead over addBulk  ${((tc - raw) / N).toFixed(3)} ms`);
console.log(
  `  the same, one queue job per item (?chunk=1): ${alone.toFixed(0)} ms  (${rate(N, alone)} items/s)  ratio ${(raw / alone).toFixed(2)}x`,
);

if (process.env.BENCH_ONLY_REMOTE) {
  await rawQueue.close();
  await rawEvents.close();
  await runner.close();
  await tp.close();
  for (const c of children.reverse()) c.kill('SIGTERM');
  process.exit(0);
}

// --- (2) threads: map against piscina.
const piscina = new Piscina({ filename: join(here, 'fixtures', 'noop-worker.cjs'), minThreads: threads, maxThreads: threads });
const viaPiscina = async () => {
  const t0 = now();
  await Promise.all(Array.from({ length: N_THREADS }, (_, i) => piscina.run({ x: i })));
  return now() - t0;
};
const viaMap = async () => {
  const t0 = now();
  const r = await core.mapOn(runner, spec, items(N_THREADS), { on: 'threads', cache: false, concurrency: 1024 });
  if (r.done !== N_THREADS) throw new Error(`map: ${r.done} of ${N_THREADS} done`);
  return now() - t0;
};
for (let r = 0; r < 2; r++) {
  await viaPiscina();
  await viaMap();
}
let pisc = Infinity;
let mapT = Infinity;
for (let r = 0; r < ROUNDS; r++) {
  pisc = Math.min(pisc, await viaPiscina());
  mapT = Math.min(mapT, await viaMap());
}
console.log(`(2) ${N_THREADS.toLocaleString('en')} no-op items on ${threads} threads, best of ${ROUNDS}`);
console.log(`piscina.run() x ${N_THREADS}            ${pisc.toFixed(0)} ms  (${rate(N_THREADS, pisc)} items/s)`);
console.log(
  `map(task, list, {on: 'threads'})    ${mapT.toFixed(0)} ms  (${rate(N_THREADS, mapT)} items/s)  ratio ${(pisc / mapT).toFixed(2)}x (target >= 0.8)`,
);

// --- (3) run-record writes.
const W = 50_000;
const store = new core.SqliteRunStore({ path: join(mkdtempSync(join(tmpdir(), 'tc-bench-runs-')), 'runs.db') });
let writes = Infinity;
for (let r = 0; r < ROUNDS; r++) {
  const t0 = now();
  for (let i = 0; i < W; i++) {
    store.put({
      id: `r${r}-${i}`,
      kind: 'task',
      task: 'bench',
      state: 'SUCCESS',
      started: i,
      ended: i + 1,
      elapsed: 1,
      place: { kind: 'thread', name: '1' },
      outputs: { y: { format: 'number', data: i } },
    });
    if (i % 1000 === 999) store.flush();
  }
  store.flush();
  writes = Math.min(writes, now() - t0);
}
store.close();
console.log(`(3) ${W.toLocaleString('en')} run records, 1,000 per transaction, best of ${ROUNDS}`);
console.log(`SQLite (node-sqlite3-wasm)          ${writes.toFixed(0)} ms  (${rate(W, writes)} writes/s, target >= 5,000)`);

await piscina.destroy();
await rawQueue.close();
await rawEvents.close();
await runner.close();
await tp.close();
for (const c of children.reverse()) c.kill('SIGTERM');
