#!/usr/bin/env node
// Live job card benchmark: the wall time of a 1,000-step workflow run by `await run(...)` in a
// taskcell kernel with the live card against the same run with `{ card: false }`, in one kernel,
// cells in rotating order. Two card cells: one shows the card at once (`config.liveCardDelay = 0`,
// then updates at most every 100 ms: the whole cost of a shown card), one with the default delay
// (250 ms: a run that ends sooner shows no card, but pays for following its events). An A/A cell
// (no card against no card) shows the bench's own spread. The client subscribes to IOPub and
// decodes every message, as a frontend does. Each step adds one; `--work US` makes each step also
// spin for that many microseconds (0: trivial steps, the worst case for the card's share).
// Usage: node bench/job-card.bench.mjs [--runs ROUNDS] [--steps N] [--warm N] [--work US]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KernelBenchClient, median, medianInterval } from './kernel-client.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '12' },
    steps: { type: 'string', default: '1000' },
    warm: { type: 'string', default: '3' },
    work: { type: 'string', default: '0' },
  },
});
const RUNS = Number(values.runs);
const STEPS = Number(values.steps);
const WARM = Number(values.warm);
const WORK = Number(values.work);
const BLOCK = 5;

const kernel = (file) => [process.execPath, join(root, 'kernel', 'bin', 'taskcell.js'), 'kernel', '--connection-file', file];
const c = new KernelBenchClient('taskcell', kernel, { iopub: true });
await c.start();
// A chain of STEPS trivial steps: every step waits for the one before, so the workflow emits its
// events one step at a time for the whole run, as a long pipeline does.
await c.execute(
  [
    'import { task, workflow, run, config } from "taskcell";',
    `const inc = task({ name: "inc", inputs: { n: "number" }, outputs: { n: "number" } }, ({ n }) => { const end = performance.now() + ${WORK / 1000}; while (performance.now() < end); return n + 1; });`,
    'let chain: any = workflow("chain");',
    `for (let i = 0; i < ${STEPS}; i++) { chain = chain.step("s" + i, inc); if (i > 0) chain = chain.connect("s" + (i - 1) + ".n", "s" + i + ".n"); }`,
  ].join('\n'),
);
const cell = (delay, options) => `config.liveCardDelay = ${delay}; (await run(chain, { n: 0 }, { cache: false${options} })).state`;
const variants = {
  'card (shown)': cell(0, ''),
  'card (default)': cell(250, ''),
  'no card': cell(250, ', card: false'),
  'no card (A/A)': cell(250, ', card: false'),
};
for (let i = 0; i < WARM; i++) for (const code of Object.values(variants)) await c.execute(code);

const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
const ratios = { shown: [], default: [], aa: [] };
const messages = Object.fromEntries(Object.keys(variants).map((k) => [k, 0]));
const names = Object.keys(variants);
for (let i = 0; i < RUNS; i++) {
  // Each round runs every cell in a block of BLOCK + 1, blocks in a rotating order. The first
  // cell of a block is not counted: it pays for what the cell before it left to the garbage
  // collector, and a card's garbage is part of the card's cost, not of the next cell's.
  const order = names.map((_, j) => names[(i + j) % names.length]);
  const ms = {};
  for (const name of order) {
    await c.execute(variants[name]);
    const block = [];
    for (let b = 0; b < BLOCK; b++) {
      const before = c.iopubCount;
      block.push(await c.execute(variants[name]));
      // IOPub messages of this cell that arrived by its reply (the live card's among them).
      messages[name] += c.iopubCount - before;
    }
    ms[name] = median(block);
  }
  for (const name of names) times[name].push(ms[name]);
  ratios.shown.push(ms['card (shown)'] / ms['no card']);
  ratios.default.push(ms['card (default)'] / ms['no card']);
  ratios.aa.push(ms['no card (A/A)'] / ms['no card']);
}
await c.close();

console.log(
  `node ${process.version}, a ${STEPS}-step workflow (${WORK} µs of work a step), ${RUNS} rounds of ${BLOCK} counted runs of each cell after ${WARM} warm-up rounds (medians)\n`,
);
console.log(`${'cell'.padEnd(18)}${'wall ms'.padStart(10)}${'IOPub msgs/run'.padStart(16)}`);
for (const name of names)
  console.log(`${name.padEnd(18)}${median(times[name]).toFixed(1).padStart(10)}${(messages[name] / RUNS / BLOCK).toFixed(1).padStart(16)}`);
console.log('');
for (const [label, xs] of [
  ['card (shown) / no card', ratios.shown],
  ['card (default) / no card', ratios.default],
  ['no card (A/A) / no card', ratios.aa],
]) {
  const r = medianInterval(xs);
  console.log(`${label.padEnd(28)}${r.median.toFixed(3)}   (median of paired ratios; 95% interval ${r.lo.toFixed(3)}-${r.hi.toFixed(3)})`);
}
process.exit(0);
