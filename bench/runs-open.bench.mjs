// What run records cost a process that records nothing, and the first run of one that does: each
// round starts two fresh Node processes (the WebAssembly SQLite is compiled once per process), one
// with taskcell's recorder as the kernel starts it at a first cell (`recordRunsIfEnabled`, which
// opens the database at the first run), one with the peer: the same recorder with its SQLite store
// opened at once (as it was before, at a kernel's first cell). Each times the first cell's
// recorder start, then a first `run()` of a trivial task. Medians of N rounds, and the ratio.
//   node bench/runs-open.bench.mjs     (after `npm run build`; BENCH_N=... rounds, default 7)
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_N ?? 7);

/** The script each process runs: `eager` opens the store at once. */
const script = (eager) => `
const { performance } = require('node:perf_hooks');
const c = require(${JSON.stringify(join(root, 'packages', 'core', 'lib', 'index.js'))});
const runner = c.getRunner();
const t = c.task({ inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x + 1);
const t0 = performance.now();
const r = c.recordRunsIfEnabled(runner);
r.context = { cell: 'first' };
${eager ? 'void r.store;' : ''}
const t1 = performance.now();
c.run(t, { x: 1 }, { cache: false }).then(() => {
  const t2 = performance.now();
  setImmediate(() => {
    r.dispose();
    process.stdout.write(JSON.stringify({ cell: t1 - t0, run: t2 - t1 }));
  });
});`;

function once(eager) {
  const cwd = mkdtempSync(join(tmpdir(), 'tc-runs-open-'));
  const env = { ...process.env };
  delete env.TASKCELL_RUNS;
  delete env.TASKCELL_RUNS_DB;
  const r = spawnSync(process.execPath, ['-e', script(eager)], { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench process failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lazy = [];
const eager = [];
for (let i = 0; i < N; i++) {
  // Alternate which goes first, so neither always meets a warmer file cache.
  for (const open of i % 2 ? [true, false] : [false, true]) (open ? eager : lazy).push(once(open));
}
const show = (name, xs) =>
  console.log(
    `${name.padEnd(44)} first cell ${median(xs.map((x) => x.cell))
      .toFixed(1)
      .padStart(7)} ms, first run() ${median(xs.map((x) => x.run))
      .toFixed(1)
      .padStart(6)} ms`,
  );
show('taskcell (database opened at the first run)', lazy);
show('peer: the database opened at the first cell', eager);
const sum = (xs) => median(xs.map((x) => x.cell + x.run));
console.log(
  `first cell: ${(median(lazy.map((x) => x.cell)) / median(eager.map((x) => x.cell))).toFixed(3)}x the peer's; first cell and first run together: ${(sum(lazy) / sum(eager)).toFixed(2)}x (medians of ${N})`,
);
