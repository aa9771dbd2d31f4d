#!/usr/bin/env node
// `npm start` and `npm test` both come here: install what is missing, build, then start or test.
// Plain Node with no dependencies, because it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
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

// 2. Build every package (incremental). The compiler is named by path: tslab ships a `tsc` of its
//    own that can take `node_modules/.bin/tsc`.
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
sh(process.execPath, [tsc, '-b']);

// 3. Everything else the project needs, one file each in .ci/services (system packages, the Python
//    venv, Redis, the Docker engine; files starting with _ are shared helpers): each exports `install({ sh, root, command })`, which must be
//    idempotent and quick when all is there. Services that run (Redis, dockerd) are started by the
//    test suites themselves, so a test never depends on a server someone left running.
const servicesDir = join(root, '.ci', 'services');
for (const f of existsSync(servicesDir)
  ? readdirSync(servicesDir)
      .filter((n) => n.endsWith('.mjs') && !n.startsWith('_'))
      .sort()
  : []) {
  const mod = await import(join(servicesDir, f));
  await mod.install({ sh, root, command });
}

if (command === 'test') {
  // 4. Type-check the tests and lint, then run every suite.
  sh(process.execPath, [tsc, '-p', 'test/tsconfig.json']);
  sh(process.execPath, [tsc, '-p', 'extension/test/tsconfig.json']);
  sh('npx', ['eslint', '.']);
  const results = join(root, 'test-results', 'jest.json');
  sh('npx', ['jest', '--ci', '--json', `--outputFile=${results}`, ...rest]);
  // A plain closing line for CI: jest's own summary is not one it reads.
  const { numPassedTests, numFailedTests, numPendingTests } = JSON.parse(readFileSync(results, 'utf8'));
  console.log(`jest: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests} skipped`);
} else if (command === 'start') {
  // JupyterLab from the project venv, with the extension and the kernel installed (.ci/services), on the examples.
  // Jupyter resolves the notebook to open against the working directory, so it starts in examples/.
  const examples = join(root, 'examples');
  sh(
    join(root, '.venv', 'bin', 'jupyter'),
    [
      'lab',
      '--notebook-dir',
      examples,
      'panel-tour.ipynb',
      // JupyterLab refuses to run as root unless told to (containers and this kind of machine run as root).
      ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
      ...rest,
    ],
    { cwd: examples },
  );
} else {
  console.error(`unknown command ${command}; use start or test`);
  process.exit(2);
}
