// ThreadPool against piscina on 10,000 no-op tasks, both with one thread per core, all submitted at
// once; best of 5 rounds each, alternating. taskcell goes through run(task, inputs, {on: 'threads'})
// (job ids, states, validation on the thread) and, as a second figure, through the pool directly.
//   node bench/pool-threads.bench.mjs        (after `npm run build`; BENCH_N=... to change the count)
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const core = require('../packages/core/lib/index.js');
const pool = require('../packages/pool/lib/index.js');
const { Piscina } = require('piscina');

const N = Number(process.env.BENCH_N ?? 10_000);
const ROUNDS = 5;
const threads = availableParallelism();
const here = dirname(fileURLToPath(import.meta.url));

const runner = core.createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-bench-')) });
core.setRunner(runner);
const tp = new pool.ThreadPool({ size: threads });
runner.registerPool('threads', () => tp);
const piscina = new Piscina({ filename: join(here, 'fixtures', 'noop-worker.cjs'), minThreads: threads, maxThreads: threads });

const noop = core.task({ name: 'noop', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x + 1);
const spec = core.toSpec(noop);

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
async function time(fn) {
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: N }, (_, i) => fn(i)));
  return ms(t0);
}
const viaRun = (i) => core.run(noop, { x: i }, { on: 'threads', cache: false });
const viaPool = (i) => tp.run(spec, { x: { format: 'number', data: i } }, { jobId: `b${i}`, cache: false });
const viaPiscina = (i) => piscina.run({ x: i });

// Warm-up: start the threads and let the JIT settle on every path.
for (let r = 0; r < 2; r++) {
  await time(viaRun);
  await time(viaPool);
  await time(viaPiscina);
}
const best = { run: Infinity, pool: Infinity, piscina: Infinity };
for (let r = 0; r < ROUNDS; r++) {
  best.piscina = Math.min(best.piscina, await time(viaPiscina));
  best.run = Math.min(best.run, await time(viaRun));
  best.pool = Math.min(best.pool, await time(viaPool));
}
const rate = (t) => Math.round((N / t) * 1000).toLocaleString('en');
console.log(`${N.toLocaleString('en')} no-op tasks on ${threads} threads, best of ${ROUNDS}`);
console.log(`piscina.run()                        ${best.piscina.toFixed(1)} ms  (${rate(best.piscina)} tasks/s)`);
console.log(
  `run(task, inputs, {on: 'threads'})   ${best.run.toFixed(1)} ms  (${rate(best.run)} tasks/s)  ratio to piscina ${(best.piscina / best.run).toFixed(2)}x (target >= 1)`,
);
console.log(
  `ThreadPool.run() directly            ${best.pool.toFixed(1)} ms  (${rate(best.pool)} tasks/s)  ratio to piscina ${(best.piscina / best.pool).toFixed(2)}x`,
);
await tp.close();
await piscina.destroy();
await runner.close();
