#!/usr/bin/env node
// Tree renderer benchmark: the first render of a 10,000-leaf tree with branch lengths, in headless
// Chromium, by taskcell's TreeRenderer against d3-hierarchy's cluster layout drawn as SVG (the
// named peer: how phylogeny viewers built on d3 draw a tree), from an empty box to the painted
// frame that shows it. The two take turns, the first of each pair alternating; the figures are
// medians, and the ratio is the median of the paired ratios. Target: at most 500 ms for taskcell.
// Usage: node bench/tree.bench.mjs [--runs N] [--leaves N] [--warm N]
import { parseArgs } from 'node:util';
import { bundle, median, openPage } from './browser-page.mjs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    leaves: { type: 'string', default: '10000' },
    warm: { type: 'string', default: '2' },
  },
});
const RUNS = Number(values.runs);
const LEAVES = Number(values.leaves);
const WARM = Number(values.warm);
const TARGET_MS = 500;

const { browser, page, log } = await openPage(await bundle('bench/pages/tree.ts'), { viewport: { width: 1200, height: 800 } });
try {
  const run = (who) => page.evaluate(([w, n]) => globalThis.bench.run(w, n), [who, LEAVES]);
  for (let i = 0; i < WARM; i++) {
    await run('taskcell');
    await run('d3');
  }
  const times = { taskcell: [], d3: [] };
  const ratios = [];
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 ? ['d3', 'taskcell'] : ['taskcell', 'd3'];
    const ms = {};
    for (const who of order) ms[who] = await run(who);
    times.taskcell.push(ms.taskcell);
    times.d3.push(ms.d3);
    ratios.push(ms.taskcell / ms.d3);
  }
  if (log.length) throw new Error(`The page reported errors:\n${log.join('\n')}`);
  const t = median(times.taskcell);
  const p = median(times.d3);
  console.log(`first render of a ${LEAVES.toLocaleString('en-US')}-leaf tree, ${RUNS} runs each (Chromium ${browser.version()})`);
  console.log(
    `  taskcell TreeRenderer          median ${t.toFixed(1)} ms  (min ${Math.min(...times.taskcell).toFixed(1)}, max ${Math.max(...times.taskcell).toFixed(1)})`,
  );
  console.log(
    `  d3-hierarchy cluster as SVG    median ${p.toFixed(1)} ms  (min ${Math.min(...times.d3).toFixed(1)}, max ${Math.max(...times.d3).toFixed(1)})`,
  );
  console.log(`  ratio taskcell / d3: ${median(ratios).toFixed(3)} (median of paired runs)`);
  console.log(`  target ≤ ${TARGET_MS} ms: ${t <= TARGET_MS ? 'met' : 'NOT met'}`);
} finally {
  await browser.close();
}
