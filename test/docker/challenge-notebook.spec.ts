/**
 * examples/challenge/challenge.ipynb, the teaching notebook of the challenge loop, executed by
 * nbclient on this checkout's kernel against a private Docker engine: it builds three algorithm
 * images and a scorer FROM scratch, maps each algorithm over a folder of cases, maps the scorer over
 * the predictions with the ground truth fetched by URL, ranks them on a leaderboard, lists the runs,
 * and re-runs a map from the cache. In this process, on threads, and on two remote workers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installKernelSpec } from '../../kernel/src/jupyter/kernelspec';
import { ROOT } from '../kernel/client';
import { startEngine } from './engine';
import type { ITestEngine } from './engine';
import { startRedis } from '../pool/redis';
import { spawnWorker } from '../pool/workers';

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

/** Run the notebook under nbclient with `env` added; throws its output when a cell fails. */
function runNotebook(env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(PYTHON, [join(ROOT, 'test', 'kernel', 'run_notebooks.py'), '-v', 'challenge'], {
    cwd: dir,
    env: {
      ...process.env,
      DOCKER_HOST: engine.host,
      JUPYTER_PATH: join(dir, 'share'),
      JUPYTER_RUNTIME_DIR: join(dir, 'runtime'),
      JUPYTER_PLATFORM_DIRS: '1',
      ...env,
    },
    encoding: 'utf8',
    timeout: 600_000,
  });
  const output = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) throw new Error(output);
  expect(output).toMatch(/ok challenge\/challenge\.ipynb \(\d+ cells, in an empty folder\)/);
  expect(output).toMatch(/^1 of 1 notebooks ran without errors$/m);
  return output;
}

/** The downloads in a fetch cache (one body file each). */
function fetched(cacheDir: string): number {
  const fetch = join(cacheDir, 'fetch');
  return existsSync(fetch) ? readdirSync(fetch).filter((f) => f.endsWith('.body')).length : 0;
}

test('the challenge notebook runs every cell without an error, copied into an empty folder', () => {
  runNotebook();
}, 660_000);

test('the challenge notebook runs its loop on threads', () => {
  // The notebook checks the ground truth was downloaded at most once per thread (one per core).
  runNotebook({ CHALLENGE_ON: 'threads' });
}, 660_000);

test('the challenge notebook runs its loop on two remote workers, each downloading the ground truth once', async () => {
  const redis = await startRedis();
  const url = `${redis.url}?queue=challenge`;
  const homes = [mkdtempSync(join(tmpdir(), 'challenge-worker-a-')), mkdtempSync(join(tmpdir(), 'challenge-worker-b-'))];
  const env = { ...process.env, DOCKER_HOST: engine.host };
  const workers = await Promise.all(
    homes.map((home, i) =>
      spawnWorker(url, `challenge-${i}`, ['--concurrency', '2'], { ...env, TASKCELL_CACHE_DIR: join(home, 'cache') }, home),
    ),
  );
  try {
    // The notebook checks the ground truth was downloaded once or twice in all (CHALLENGE_WORKERS).
    runNotebook({ CHALLENGE_ON: url, CHALLENGE_WORKERS: '2' });
    // Each worker has its own fetch cache: the ground truth is in it at most once, however many cases it scored.
    const perWorker = homes.map((home) => fetched(join(home, 'cache')));
    expect(perWorker.every((n) => n <= 1)).toBe(true);
    expect(perWorker.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await redis.stop();
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  }
}, 720_000);
