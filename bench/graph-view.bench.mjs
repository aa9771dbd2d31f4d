// First render of a 5,000-node, 20,000-edge graph in headless Chromium: taskcell's graph renderer
// (d3-force layout, then sigma on WebGL) against sigma with graphology alone at random positions
// (the peer: the least it costs to put this graph on screen, with no layout), and cytoscape alone
// with its default settings (grid layout), in the same page. Target: taskcell's render <= 1 s.
//   npm run build && node bench/graph-view.bench.mjs [runs]
import { bundle, median, openPage } from './browser-page.mjs';

const RUNS = Number(process.argv[2] ?? 5);
const TARGET_MS = 1000;

const script = await bundle('bench/pages/graph-view.ts');
const { browser, page, log } = await openPage(script, { viewport: { width: 1240, height: 840 } });
try {
  const times = { taskcell: [], sigma: [], cytoscape: [] };
  const seen = {};
  // One draw of each to warm the page's code, then the runs in turn, so that each sees the same load.
  for (let run = -1; run < RUNS; run++) {
    for (const name of Object.keys(times)) {
      const r = await page.evaluate((n) => globalThis.tcBench[n](), name);
      if (r.nodes !== 5000 || r.edges !== 20000)
        throw new Error(`${name} drew ${r.nodes} nodes and ${r.edges} edges, expected 5000 and 20000`);
      seen[name] = r.view;
      if (run >= 0) times[name].push(r.ms);
    }
  }
  if (log.length) throw new Error(log.join('\n'));
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  const fmt = (ms) => `${Math.round(ms)} ms`;
  console.log(`first render of a 5,000-node, 20,000-edge graph, median of ${RUNS} (Chromium ${browser.version()}):`);
  console.log(
    `  taskcell GraphRenderer (${seen.taskcell}): ${fmt(m.taskcell)}  [${times.taskcell.map(fmt).join(', ')}]  target ${TARGET_MS} ms`,
  );
  console.log(`  sigma + graphology, random layout:      ${fmt(m.sigma)}  [${times.sigma.map(fmt).join(', ')}]`);
  console.log(`  cytoscape, default settings:            ${fmt(m.cytoscape)}  [${times.cytoscape.map(fmt).join(', ')}]`);
  console.log(
    `  ratio taskcell / sigma: ${(m.taskcell / m.sigma).toFixed(2)}   taskcell / cytoscape: ${(m.taskcell / m.cytoscape).toFixed(2)}`,
  );
  console.log(`  ${m.taskcell <= TARGET_MS ? 'within' : 'OVER'} the ${TARGET_MS} ms target`);
} finally {
  await browser.close();
}
