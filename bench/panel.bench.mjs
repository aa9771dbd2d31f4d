#!/usr/bin/env node
// Tasks panel benchmark: the time of one frame's update (the panel's work and the layout it forces)
// with 1,000 jobs listed while progress events stream in, in headless Chromium. taskcell's
// TasksPanel (a frame's events batched by its model, changed rows updated in place) against a
// React list of the same rows re-rendered with keys every frame, the way JupyterLab's own sidebar
// lists (the running-sessions panel) draw. Rounds alternate which goes first.
// Usage: node bench/panel.bench.mjs [--runs ROUNDS] [--jobs N] [--frames N] [--per-frame EVENTS]
import { parseArgs } from 'node:util';
import { bundle, median, openPage } from './browser-page.mjs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    jobs: { type: 'string', default: '1000' },
    frames: { type: 'string', default: '60' },
    'per-frame': { type: 'string', default: '2' },
  },
});
const options = { jobs: Number(values.jobs), frames: Number(values.frames), perFrame: Number(values['per-frame']) };
const RUNS = Number(values.runs);
const TARGET_MS = 16;

const { browser, page, log } = await openPage(await bundle('bench/pages/panel.ts'), { viewport: { width: 340, height: 900 } });
try {
  const all = { taskcell: [], react: [] };
  const ratios = [];
  for (let round = 0; round < RUNS; round++) {
    const order = round % 2 ? ['react', 'taskcell'] : ['taskcell', 'react'];
    const medians = {};
    for (const name of order) {
      const times = await page.evaluate(([n, o]) => globalThis.panelBench[n](o), [name, options]);
      all[name].push(...times);
      medians[name] = median(times);
    }
    ratios.push(medians.react / medians.taskcell);
    console.log(`round ${round + 1}: taskcell ${medians.taskcell.toFixed(2)} ms, React ${medians.react.toFixed(2)} ms per frame`);
  }
  if (log.length) throw new Error(`the page reported errors:\n${log.join('\n')}`);
  const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(0.95 * (xs.length - 1))];
  const t = { median: median(all.taskcell), p95: p95(all.taskcell) };
  const r = { median: median(all.react), p95: p95(all.react) };
  console.log(
    `\n${options.jobs} jobs, ${options.perFrame} progress events per frame, ${options.frames} frames x ${RUNS} rounds` +
      `\ntaskcell TasksPanel: median ${t.median.toFixed(2)} ms, p95 ${t.p95.toFixed(2)} ms per frame (target < ${TARGET_MS} ms)` +
      `\nReact keyed list (peer): median ${r.median.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms per frame` +
      `\nratio (React / taskcell, median of rounds): ${median(ratios).toFixed(1)}x`,
  );
  if (!(t.p95 < TARGET_MS)) process.exitCode = 1;
} finally {
  await browser.close();
}
