#!/usr/bin/env node
// Kernel benchmark: taskcell against tslab, in the same run, over the same zeromq client.
// Measures start (process spawn to the first kernel_info_reply, and to the reply of a first cell,
// which pays for loading the compiler), the round trip of `1+1`, and of a cell declaring a typed
// const; prints both kernels' figures and taskcell/tslab ratios.
// Round trips run in two sessions, tslab started first in one and taskcell in the other: in an A/A
// run (taskcell against itself, --aa) the kernel started first came out about 3% slower.
// Usage: node bench/kernel.bench.mjs [--runs N] [--starts N] [--warm N] [--aa]
//   --aa: the peer is a second taskcell kernel, so the ratios show the bench's own bias and spread.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
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
const peer = values.aa ? 'taskcell (A/A)' : 'tslab';
class Client extends KernelBenchClient {
  constructor(name) {
    super(name, kernels[name]);
  }
}

/** Start-up figures of one kernel: `STARTS` fresh starts, each followed by a first `1+1`. */
async function measureStarts(name) {
  const starts = [];
  const firstCells = [];
  for (let i = 0; i < STARTS; i++) {
    const c = new Client(name);
    const t0 = performance.now();
    starts.push(await c.start());
    await c.execute('1+1');
    firstCells.push(performance.now() - t0);
    await c.close();
  }
  return { start: median(starts), first: median(firstCells) };
}

const names = Object.keys(kernels);
const results = Object.fromEntries(names.map((n) => [n, { add: [], typed: [] }]));
for (const name of names) Object.assign(results[name], await measureStarts(name));
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
  ['start to the reply of a first 1+1', 'first'],
  ['round trip of 1+1', 'add'],
  ['round trip of a typed const', 'typed'],
];
console.log(`node ${process.version}, ${STARTS} starts, ${RUNS} runs per cell in two sessions (medians, ms)\n`);
console.log(`${'measure'.padEnd(36)}${'taskcell'.padStart(10)}${peer.padStart(16)}${'ratio'.padStart(8)}`);
for (const [label, key] of rows) {
  const a = results.taskcell[key];
  const b = results.tslab[key];
  const paired = ratios[key] ? medianInterval(ratios[key]) : undefined;
  const ratio = paired ? paired.median : a / b;
  const interval = paired ? `   (median of paired ratios; 95% interval ${paired.lo.toFixed(2)}-${paired.hi.toFixed(2)})` : '';
  console.log(`${label.padEnd(36)}${a.toFixed(1).padStart(10)}${b.toFixed(1).padStart(16)}${ratio.toFixed(2).padStart(8)}${interval}`);
}
process.exit(0);
