// A trivial r-mode task (warm R process) against spawning `Rscript -e` with the same script, in the
// same run; then the same for an ape tree read from Newick, the R work Girder Worker's tree tasks do.
//   node bench/r.bench.mjs   (after `npm run build`; BENCH_N to change the count)
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const core = require('../packages/core/lib/index.js');
core.setRunner(core.createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-bench-')) }));
const N = Number(process.env.BENCH_N ?? 200);
const rscript = process.env.TASKCELL_RSCRIPT || 'Rscript';

const cases = [
  { what: 'trivial r-mode task (b <- a + 1)', script: 'b <- a + 1', peer: 'a <- 1; b <- a + 1', n: N },
  {
    what: 'ape tree from Newick (library(ape); read.tree)',
    script: 'library(ape)\nb <- Ntip(read.tree(text = "((a:1,b:2):1,c:3);")) + a',
    peer: 'library(ape); a <- 1; b <- Ntip(read.tree(text = "((a:1,b:2):1,c:3);")) + a',
    n: N / 2,
  },
];

const rows = [];
for (const c of cases) {
  const spec = {
    mode: 'r',
    script: c.script,
    inputs: [{ name: 'a', type: 'number', format: 'number' }],
    outputs: [{ name: 'b', type: 'number', format: 'number' }],
  };
  await core.run(spec, { a: 0 }, { cache: false }); // start the R process, load what the script loads
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < c.n; i++) await core.run(spec, { a: i }, { cache: false });
  const task = Number(process.hrtime.bigint() - t0) / 1e6 / c.n;

  const spawns = Math.max(5, c.n / 20);
  t0 = process.hrtime.bigint();
  for (let i = 0; i < spawns; i++) {
    const r = spawnSync(rscript, ['--vanilla', '-e', c.peer]);
    if (r.status !== 0) throw new Error(`${rscript} -e failed: ${r.stderr}`);
  }
  const spawn = Number(process.hrtime.bigint() - t0) / 1e6 / spawns;
  rows.push([c.what, task, spawn]);
}

for (const [what, task, spawn] of rows) {
  console.log(`${what}`);
  console.log(`  r task, warm R process        ${task.toFixed(2)} ms/task`);
  console.log(`  spawn \`${rscript} -e\`            ${spawn.toFixed(2)} ms/process`);
  console.log(`  ratio task/spawn              ${(task / spawn).toFixed(3)}x`);
}
core.closeRInterpreters();
