// `npm start` and `npm test` both come here: install what is missing, build, then start or test.
// Plain Node with no dependencies, because it runs before anything is installed. Each step says
// what it installs as `[n/N] what`, and closes with what it did and how long it took.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [command = 'test', ...rest] = process.argv.slice(2);
if (command !== 'start' && command !== 'test') {
  console.error(`unknown command ${command}; use start or test`);
  process.exit(2);
}

function sh(cmd, args, opts = {}) {
  console.error(`> ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function mtime(p) {
  return existsSync(p) ? statSync(p).mtimeMs : 0;
}

// Everything else the project needs, one file each in .ci/services (system packages, the Python
// venv, Redis, the Docker engine; files starting with _ are shared helpers): each exports `title`
// (what it installs) and `install({ sh, root, command })`, which must be idempotent and quick when
// all is there, and returns what it did. Services that run (Redis, dockerd) are started by the test
// suites themselves, so a test never depends on a server someone left running.
const servicesDir = join(root, '.ci', 'services');
const services = [];
for (const f of existsSync(servicesDir)
  ? readdirSync(servicesDir)
      .filter((n) => n.endsWith('.mjs') && !n.startsWith('_'))
      .sort()
  : [])
  services.push(await import(join(servicesDir, f)));

const total = 2 + services.length + 1;
let current = 0;
/** Run one numbered step: announce it, run it, and close it with its note and its time. */
async function step(title, fn) {
  const n = ++current;
  const t0 = Date.now();
  console.error(`\n[${n}/${total}] ${title}`);
  const note = await fn();
  console.error(`[${n}/${total}] ${note ?? 'done'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

// 1. Node packages: install when node_modules is missing or older than the lock file.
await step('Node packages (node_modules, from package-lock.json)', () => {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && mtime(join(root, 'package-lock.json')) <= mtime(marker)) return 'already installed';
  sh('npm', ['install', '--no-audit', '--no-fund']);
  return 'installed';
});

// 2. Build every package (incremental). The compiler is named by path: tslab ships a `tsc` of its
//    own that can take `node_modules/.bin/tsc`.
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
await step('Build every package (tsc -b, incremental)', () => sh(process.execPath, [tsc, '-b']));

// 3. The services, each a step.
for (const service of services) await step(service.title, () => service.install({ sh, root, command }));

if (command === 'test') {
  // 4. Type-check the tests and lint, then run every suite.
  console.error(`\n[${total}/${total}] Type-check the tests, lint, run jest`);
  sh(process.execPath, [tsc, '-p', 'test/tsconfig.json']);
  sh(process.execPath, [tsc, '-p', 'extension/test/tsconfig.json']);
  sh('npx', ['eslint', '.']);
  mkdirSync(join(root, 'test-results'), { recursive: true });
  const results = join(root, 'test-results', 'jest.json');
  sh('npx', ['jest', '--ci', '--json', `--outputFile=${results}`, ...rest]);
  // A plain closing line for CI: jest's own summary is not one it reads.
  const { numPassedTests, numFailedTests, numPendingTests } = JSON.parse(readFileSync(results, 'utf8'));
  console.log(`jest: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests} skipped`);
} else {
  // JupyterLab from the project venv, with the extension and the kernel installed (.ci/services), on the examples.
  // Jupyter resolves the notebook to open against the working directory, so it starts in examples/.
  const examples = join(root, 'examples');
  console.error(`\n[${total}/${total}] JupyterLab on examples/ with the taskcell kernel (Ctrl-C stops it)`);
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
}
