// A trivial python-mode task (warm interpreter) against spawning `python3 -c pass`, in the same run.
//   node bench/python.bench.mjs   (after `npm run build`; BENCH_N to change the count)
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const core = require('../packages/core/lib/index.js');
core.setRunner(core.createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-bench-')) }));
const N = Number(process.env.BENCH_N ?? 200);
const python = process.env.TASKCELL_PYTHON ?? 'python3';

const spec = {
  mode: 'python',
  script: 'b = a + 1',
  inputs: [{ name: 'a', type: 'number', format: 'number' }],
  outputs: [{ name: 'b', type: 'number', format: 'number' }],
};
await core.run(spec, { a: 0 }, { cache: false }); // start the interpreter

let t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) await core.run(spec, { a: i }, { cache: false });
const task = Number(process.hrtime.bigint() - t0) / 1e6 / N;

t0 = process.hrtime.bigint();
for (let i = 0; i < N / 4; i++) spawnSync(python, ['-c', 'pass']);
const spawn = Number(process.hrtime.bigint() - t0) / 1e6 / (N / 4);

console.log(`python task, warm interpreter    ${task.toFixed(2)} ms/task`);
console.log(`spawn \`${python} -c pass\`         ${spawn.toFixed(2)} ms/process`);
console.log(`ratio task/spawn                 ${(task / spawn).toFixed(2)}x`);
core.closePythonInterpreters();
