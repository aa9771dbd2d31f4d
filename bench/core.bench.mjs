// Per-task overhead of run() in-process against a plain function call, and the workflow
// scheduler's cost per node on 10,000-step workflows; every figure next to its peer from the same run.
//   node bench/core.bench.mjs          (after `npm run build`; BENCH_N=... to change the task count)
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const core = require('../packages/core/lib/index.js');
const runner = core.createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-bench-')) });
core.setRunner(runner);

const N = Number(process.env.BENCH_N ?? 200_000);
const STEPS = Number(process.env.BENCH_STEPS ?? 10_000);
const ns = () => process.hrtime.bigint();
const us = (t0, n) => Number(ns() - t0) / 1e3 / n;

/** The best of `reps` timings, each of `n` operations, in microseconds per operation. */
async function best(reps, n, fn) {
  let min = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = ns();
    await fn(n);
    min = Math.min(min, us(t0, n));
  }
  return min;
}

const body = ({ x }) => x + 1;
const trivial = core.task({ inputs: { x: 'number' }, outputs: { y: 'number' } }, body);

// Warm both paths up so the JIT has compiled them.
for (let i = 0; i < 20_000; i++) await core.run(trivial, { x: i }, { cache: false });

const plain = await best(5, N, async (n) => {
  for (let i = 0; i < n; i++) await body({ x: i });
});
const engine = await best(5, N, async (n) => {
  for (let i = 0; i < n; i++) await core.run(trivial, { x: i }, { cache: false });
});
const hits = await best(5, N / 4, async (n) => {
  for (let i = 0; i < n; i++) await core.run(trivial, { x: 1 });
});
const misses = await best(1, 5_000, async (n) => {
  for (let i = 0; i < n; i++) await core.run(trivial, { x: 1e9 + i + Math.random() });
});

console.log(
  `run() in-process, trivial task     ${engine.toFixed(2)} us/task  (${Math.round(1e6 / engine).toLocaleString('en')} tasks/s; target <= 10 us)`,
);
console.log(`plain awaited function call        ${plain.toFixed(3)} us/call`);
console.log(`ratio run()/plain call             ${(engine / plain).toFixed(1)}x  (overhead ${(engine - plain).toFixed(2)} us/task)`);
console.log(`run() result-cache hit             ${hits.toFixed(2)} us/task`);
console.log(`run() result-cache miss + store    ${misses.toFixed(2)} us/task (the file is written after the task returns)`);
console.log(
  `result-store cost per task         ${(misses - engine).toFixed(2)} us/task  (miss + store against cache: false; target <= 50 us)`,
);

// Workflows: a chain and a fan-out/fan-in of STEPS steps, against the same task bodies called in a plain loop.
function chain(n) {
  let wf = core.workflow('chain');
  for (let i = 0; i < n; i++) wf = wf.step(`s${i}`, trivial);
  for (let i = 1; i < n; i++) wf.connect(`s${i - 1}`, `s${i}`, { y: 'x' });
  return wf;
}
function fan(n) {
  const sum = core.task({ inputs: { a: 'number', b: 'number' }, outputs: { y: 'number' } }, ({ a, b }) => a + b);
  let wf = core.workflow('fan').step('src', trivial);
  let level = [];
  for (let i = 0; i < n; i++) {
    wf = wf.step(`m${i}`, trivial);
    wf.connect('src', `m${i}`, { y: 'x' });
    level.push(`m${i}`);
  }
  let k = 0;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      const name = `j${k++}`;
      wf = wf.step(name, sum);
      wf.connect(level[i], name, { y: 'a' });
      wf.connect(level[i + 1], name, { y: 'b' });
      next.push(name);
    }
    if (level.length % 2) next.push(level.at(-1));
    level = next;
  }
  return wf;
}
for (const [label, build] of [
  ['chain', chain],
  ['fan-out/fan-in', fan],
]) {
  let t0 = ns();
  const wf = build(STEPS);
  const spec = wf.spec;
  runner.check(spec);
  const buildUs = us(t0, spec.steps.length);
  const nodes = spec.steps.length;
  const per = await best(3, nodes, async () => {
    await core.run(spec, { x: 0 }, { cache: false });
  });
  const plainPer = await best(3, nodes, async (n) => {
    for (let i = 0; i < n; i++) await body({ x: i });
  });
  console.log(
    `workflow ${label} (${nodes} steps)  ${per.toFixed(2)} us/step run, ${buildUs.toFixed(2)} us/step build+check; ` +
      `scheduling overhead over run() ${(per - engine).toFixed(2)} us/step; ratio to plain call ${(per / plainPer).toFixed(1)}x`,
  );
}

// Run records: the kernel records every run() in SQLite (batched writes). The same trivial task with
// the recorder on, against run() without it and against a plain call; rounds alternate, on and off.
{
  const R = Math.min(N, 50_000);
  const loop = async (n) => {
    for (let i = 0; i < n; i++) await core.run(trivial, { x: i }, { cache: false });
  };
  let recorded = Infinity;
  let bare = Infinity;
  for (let r = 0; r < 3; r++) {
    const recorder = core.recordRuns(runner, { path: join(mkdtempSync(join(tmpdir(), 'tc-bench-runs-')), 'runs.db') });
    recorder.context = { notebook: 'bench.ipynb', cell: 'cell-1' };
    recorded = Math.min(recorded, await best(1, R, loop));
    recorder.dispose();
    bare = Math.min(bare, await best(1, R, loop));
  }
  console.log(
    `run() with run records on          ${recorded.toFixed(2)} us/task against ${bare.toFixed(2)} without: ` +
      `recording costs ${(recorded - bare).toFixed(2)} us/run; ratio to plain call ${(recorded / plain).toFixed(1)}x`,
  );
}
