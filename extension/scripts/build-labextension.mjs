#!/usr/bin/env node
// Build the prebuilt labextension with @jupyterlab/builder. `jupyter labextension build` would do
// the same but first runs its own yarn install, which does not fit an npm workspace; so this finds
// JupyterLab's core package (its `staging` folder, for the shared package versions) through the
// Python that runs `jupyter`, and calls the builder directly.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const extension = join(here, '..');
const require = createRequire(join(extension, 'package.json'));

function pythons() {
  const out = [];
  if (process.env.TASKCELL_PYTHON) out.push(process.env.TASKCELL_PYTHON);
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const jupyter = join(dir, 'jupyter');
    if (!dir || !existsSync(jupyter)) continue;
    const first = readFileSync(jupyter, 'utf8').split('\n', 1)[0];
    if (first.startsWith('#!')) out.push(first.slice(2).trim().split(/\s+/)[0]);
  }
  out.push(join(extension, '..', '.venv', 'bin', 'python'), 'python3');
  return out;
}

let core;
for (const py of pythons()) {
  const r = spawnSync(py, ['-c', 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))'], {
    encoding: 'utf8',
  });
  if (r.status === 0 && existsSync(r.stdout.trim())) {
    core = r.stdout.trim();
    break;
  }
}
if (!core) {
  console.error('build-labextension: no Python with jupyterlab found (tried the one running `jupyter`, .venv and python3)');
  process.exit(1);
}
const builder = require.resolve('@jupyterlab/builder/lib/build-labextension.js');
const dev = process.argv.includes('--development') ? ['--development', '--source-map'] : [];
const r = spawnSync(process.execPath, [builder, '--core-path', core, ...dev, extension], { stdio: 'inherit' });
process.exit(r.status ?? 1);
