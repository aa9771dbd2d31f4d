/**
 * The Python-side suites, run against this checkout's kernel: jupyter_kernel_test (every optional
 * sample filled in; any failure or skip fails) and every notebook under examples/ through nbclient.
 * The kernelspec goes to a temporary JUPYTER_PATH, so the installed one is never used.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installKernelSpec } from '../../kernel/src/jupyter/kernelspec';
import { ROOT } from './client';
import { startEngine } from '../docker/engine';

const PYTHON = join(ROOT, '.venv', 'bin', 'python');

describe('Python suites', () => {
  const dir = mkdtempSync(join(tmpdir(), 'taskcell-jupyter-'));
  const env = { ...process.env, JUPYTER_PATH: join(dir, 'share'), JUPYTER_RUNTIME_DIR: join(dir, 'runtime'), JUPYTER_PLATFORM_DIRS: '1' };
  beforeAll(() => {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`npm test\` (or node .ci/setup.mjs test), which creates the venv`);
    installKernelSpec(join(dir, 'share', 'kernels'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (script: string, extra: Record<string, string> = {}): { status: number | null; output: string } => {
    const r = spawnSync(PYTHON, [join(__dirname, script), '-v'], {
      cwd: dir,
      env: { ...env, ...extra },
      encoding: 'utf8',
      timeout: 300_000,
    });
    return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
  };

  it('jupyter_kernel_test passes with nothing skipped', () => {
    const { status, output } = run('kernel_conformance.py');
    if (status !== 0 || /skipped/i.test(output) || !/\nOK\s*$/.test(output.trimEnd() + '\n')) throw new Error(output);
    const ran = /Ran (\d+) tests?/.exec(output);
    expect(Number(ran?.[1])).toBeGreaterThanOrEqual(13);
  }, 300_000);

  it('every example notebook runs with no cell error, copied into an empty folder', async () => {
    // The mixed-language example has a docker step: a private engine, reached through DOCKER_HOST.
    const engine = await startEngine();
    try {
      const { status, output } = run('run_notebooks.py', { DOCKER_HOST: engine.host });
      if (status !== 0) throw new Error(output);
      // Each copied alone into an empty folder: no node_modules, so taskcell, dockerode and tar come from the kernel.
      for (const name of ['getting-started', 'mixed-workflow', 'panel-tour'])
        expect(output).toMatch(new RegExp(`ok ${name}\\.ipynb \\(\\d+ cells, in an empty folder\\)`));
    } finally {
      await engine.close();
    }
  }, 400_000);
});
