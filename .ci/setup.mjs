#!/usr/bin/env node
// `npm start` and `npm test` both come here: install what is missing, build, then start or test.
// Plain Node with no dependencies, because it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [command = 'test', ...rest] = process.argv.slice(2);

function sh(cmd, args, opts = {}) {
  console.error(`\n> ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function mtime(p) {
  return existsSync(p) ? statSync(p).mtimeMs : 0;
}

// 1. Node packages: install when node_modules is missing or older than the lock file.
const marker = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(marker) || mtime(join(root, 'package-lock.json')) > mtime(marker)) {
  sh('npm', ['install', '--no-audit', '--no-fund']);
}

// 2. Python: a venv at .venv with the kernel's test and host tools; pip runs only when one is missing.
const python = join(root, '.venv', 'bin', 'python');
if (!existsSync(python)) sh('python3', ['-m', 'venv', '.venv']);
const pyPackages = { jupyter_kernel_test: 'jupyter_kernel_test', nbclient: 'nbclient', jupyterlab: 'jupyterlab' };
const probe = `import importlib.util, sys; sys.exit(0 if all(importlib.util.find_spec(m) for m in ${JSON.stringify(Object.keys(pyPackages))}) else 1)`;
if (spawnSync(python, ['-c', probe]).status !== 0) sh(python, ['-m', 'pip', 'install', '--quiet', ...Object.values(pyPackages)]);

// 3. Build every package (incremental).
sh('npx', ['tsc', '-b']);

if (command === 'test') {
  // 4. Type-check the tests and lint, then run every suite (the kernel suites use .venv).
  sh('npx', ['tsc', '-p', 'test/tsconfig.json']);
  sh('npx', ['eslint', '.']);
  sh('npx', ['jest', '--ci', ...rest]);
} else if (command === 'start') {
  // Register the kernel with the venv's Jupyter (`.venv/bin/jupyter lab` then offers "TypeScript (taskcell)").
  sh('node', ['kernel/bin/taskcell.js', 'install', '--sys-prefix', '--python', python]);
  // Until the JupyterLab extension lands, `npm start` also runs an example from the shell.
  sh('node', ['kernel/bin/taskcell.js', 'run', 'examples/word-stats.json', '--input', 'text=@examples/data/sample.txt']);
} else {
  console.error(`unknown command ${command}; use start or test`);
  process.exit(2);
}
