#!/usr/bin/env node
// Kernel benchmark: taskcell against tslab, in the same run, over the same zeromq client.
// Measures start (process spawn to the first kernel_info_reply, and to the result of a first `1+1`,
// which pays for loading the compiler), a restart (the old process gone, a new one on the same
// connection file, to its first `1+1` result), the round trip of `1+1`, and of a cell declaring a
// typed const; prints both kernels' figures and taskcell/tslab ratios. ipykernel's start and
// restart are shown beside them, as the start a Jupyter user knows.
// Round trips run in two sessions, tslab started first in one and taskcell in the other: in an A/A
// run (taskcell against itself, --aa) the kernel started first came out about 3% slower.
// The snapshot of taskcell's compiler is built before measuring, and one start of each kernel
// (not measured) reads the files all of them read from disk.
// Usage: node bench/kernel.bench.mjs [--runs N] [--starts N] [--warm N] [--aa]
//   --aa: the peer is a second taskcell kernel, so the ratios show the bench's own bias and spread.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { KernelBenchClient, median, medianInterval } from './kernel-client.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'kernel', 'package.json'));
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '60' },
    starts: { type: 'string', default: '5' },
    warm: { type: 'string', default: '5' },
    aa: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const WARM = Number(values.warm);
const STARTS = Number(values.starts);

const kernels = {
  taskcell: (file) => [process.execPath, join(root, 'kernel', 'bin', 'taskcell.js'), 'kernel', '--connection-file', file],
  tslab: (file) => [process.execPath, require.resolve('tslab/bin/tslab'), 'kernel', '--config-path', file],
};
if (values.aa) kernels.tslab = kernels.taskcell;
const python = join(root, '.venv', 'bin', 'python');
// taskcell* is taskcell with spare compilers off: a kernel that finds no spare waiting (the first
// one after ten idle minutes) reads the compiler's snapshot itself.
const others = {
  'taskcell*': kernels.taskcell,
  ...(existsSync(python) ? { ipykernel: (file) => [python, '-m', 'ipykernel_launcher', '-f', file] } : {}),
};
const envs = { 'taskcell*': { ...process.env, TASKCELL_SPARE_COMPILER: 'off' } };
const peer = values.aa ? 'taskcell (A/A)' : 'tslab';
class Client extends KernelBenchClient {
  constructor(name) {
    super(name, kernels[name] ?? others[name], { env: envs[name] });
  }
}

/** Start-up figures of one kernel: `count` fresh starts, each followed by a first `1+1`, and then a restart. */
async function measureStarts(name, count) {
  const starts = [];
  const firstCells = [];
  const restarts = [];
  for (let i = 0; i < count; i++) {
    const c = new Client(name);
    const t0 = performance.now();
    starts.push(await c.start());
    await c.execute('1+1');
    firstCells.push(performance.now() - t0);
    restarts.push(await c.restart('1+1'));
    await c.close();
  }
  return { start: median(starts), first: median(firstCells), restart: median(restarts) };
}

// The kernel's compiler starts from a V8 startup snapshot that setup (or the first kernel) builds
// once per version: built here first, so every start measures what a user's kernel does.
const built = spawnSync(process.execPath, [join(root, 'kernel', 'lib', 'jupyter', 'compiler', 'build-snapshot.js')], { encoding: 'utf8' });
if (built.status !== 0) throw new Error(`building the compiler snapshot failed: ${built.stderr}`);
const snapshotNote = built.stdout.trim();
// One start of each kernel, not measured: files read for the first time come from disk, for all alike after it.
for (const name of [...Object.keys(kernels), ...Object.keys(others)]) await measureStarts(name, 1);

const names = Object.keys(kernels);
const results = Object.fromEntries([...names, ...Object.keys(others)].map((n) => [n, { add: [], typed: [] }]));
// Starts take turns, so a slow spell of the machine weighs on every kernel alike.
for (let round = 0; round < STARTS; round++) {
  for (const name of Object.keys(results)) {
    const one = await measureStarts(name, 1);
    for (const key of ['start', 'first', 'restart']) (results[name][`${key}s`] ??= []).push(one[key]);
  }
}
for (const r of Object.values(results)) for (const key of ['start', 'first', 'restart']) r[key] = median(r[`${key}s`]);
// Round trips: both kernels up at once, cells alternating between them, so whatever else the
// machine does at a moment weighs on both alike. Two sessions, each kernel started first in one.
// Each run sends a cell to one kernel and then the same cell to the other, taking turns at going
// first; the ratio of each pair is what is compared (its median), so drift cancels out.
const ratios = { add: [], typed: [] };
for (const session of [names, [...names].reverse()]) {
  const clients = [];
  for (const name of session) {
    const c = new Client(name);
    await c.start();
    // The first cells pay for loading the compiler and warming its code in both kernels; they are not what is measured.
    for (let i = 0; i < WARM; i++) await c.execute(`${i}`);
    clients.push(c);
  }
  for (let i = 0; i < RUNS / 2; i++) {
    const order = i % 2 === 0 ? clients : [...clients].reverse();
    for (const [key, code] of [
      ['add', '1+1'],
      ['typed', `const typed${i}: number = ${i};`],
    ]) {
      const ms = {};
      for (const c of order) ms[c.name] = await c.execute(code);
      for (const name of names) results[name][key].push(ms[name]);
      ratios[key].push(ms.taskcell / ms.tslab);
    }
  }
  for (const c of clients) await c.close();
}
for (const name of names) {
  results[name].add = median(results[name].add);
  results[name].typed = median(results[name].typed);
}
const rows = [
  ['start to first kernel_info_reply', 'start'],
  ['start to the result of a first 1+1', 'first'],
  ['restart to the result of a 1+1', 'restart'],
  ['round trip of 1+1', 'add'],
  ['round trip of a typed const', 'typed'],
];
const extra = Object.keys(others);
console.log(`node ${process.version}, ${STARTS} starts and restarts, ${RUNS} runs per cell in two sessions (medians, ms)`);
console.log(`taskcell's compiler snapshot: ${snapshotNote}`);
console.log('taskcell*: taskcell with spare compilers off (a start that finds no spare waiting)\n');
console.log(
  `${'measure'.padEnd(36)}${'taskcell'.padStart(10)}${peer.padStart(16)}${'ratio'.padStart(8)}${extra.map((n) => n.padStart(12)).join('')}`,
);
for (const [label, key] of rows) {
  const a = results.taskcell[key];
  const b = results.tslab[key];
  const paired = ratios[key] ? medianInterval(ratios[key]) : undefined;
  const ratio = paired ? paired.median : a / b;
  const interval = paired ? `   (median of paired ratios; 95% interval ${paired.lo.toFixed(2)}-${paired.hi.toFixed(2)})` : '';
  const more = extra.map((n) => (typeof results[n][key] === 'number' ? results[n][key].toFixed(1) : '-').padStart(12)).join('');
  console.log(
    `${label.padEnd(36)}${a.toFixed(1).padStart(10)}${b.toFixed(1).padStart(16)}${ratio.toFixed(2).padStart(8)}${more}${interval}`,
  );
}
process.exit(0);
