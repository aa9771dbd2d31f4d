/**
 * examples/challenge/challenge.ipynb, the teaching notebook of the challenge loop, executed by
 * nbclient on this checkout's kernel against a private Docker engine: it builds three algorithm
 * images and a scorer FROM scratch, maps each algorithm over a folder of cases, maps the scorer over
 * the predictions, ranks them on a leaderboard, lists the runs, and re-runs a map from the cache.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installKernelSpec } from '../../kernel/src/jupyter/kernelspec';
import { ROOT } from '../kernel/client';
import { startEngine } from './engine';
import type { ITestEngine } from './engine';

const PYTHON = join(ROOT, '.venv', 'bin', 'python');
let engine: ITestEngine;
const dir = mkdtempSync(join(tmpdir(), 'taskcell-challenge-'));

beforeAll(async () => {
  installKernelSpec(join(dir, 'share', 'kernels'));
  engine = await startEngine();
}, 120_000);

afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

test('the challenge notebook runs every cell without an error, copied into an empty folder', () => {
  const r = spawnSync(PYTHON, [join(ROOT, 'test', 'kernel', 'run_notebooks.py'), '-v', 'challenge'], {
    cwd: dir,
    env: {
      ...process.env,
      DOCKER_HOST: engine.host,
      JUPYTER_PATH: join(dir, 'share'),
      JUPYTER_RUNTIME_DIR: join(dir, 'runtime'),
      JUPYTER_PLATFORM_DIRS: '1',
    },
    encoding: 'utf8',
    timeout: 600_000,
  });
  const output = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) throw new Error(output);
  expect(output).toMatch(/ok challenge\/challenge\.ipynb \(\d+ cells, in an empty folder\)/);
  expect(output).toMatch(/^1 of 1 notebooks ran without errors$/m);
}, 660_000);
