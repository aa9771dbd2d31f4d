/**
 * The extension as a user installs it: `pip install .` puts the prebuilt labextension in the venv,
 * and JupyterLab lists it enabled.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JUPYTER, ROOT, VENV } from './jupyterlab';

describe('the Python package', () => {
  it('is listed enabled by `jupyter labextension list` in the venv', () => {
    const r = spawnSync(JUPYTER, ['labextension', 'list'], { encoding: 'utf8' });
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status).toBe(0);
    expect(out).toMatch(/@taskcell\/jupyterlab v0\.1\.0 \S*enabled\S* \S*OK\S* \(python, taskcell\)/);
  });

  it('builds a wheel that carries the prebuilt labextension and install.json', () => {
    const out = mkdtempSync(join(tmpdir(), 'taskcell-wheel-'));
    try {
      const r = spawnSync(
        join(VENV, 'bin', 'python'),
        ['-m', 'pip', 'wheel', '--quiet', '--no-deps', '--no-build-isolation', '-w', out, ROOT],
        {
          encoding: 'utf8',
          env: { ...process.env, PATH: `${join(VENV, 'bin')}:${process.env.PATH}` },
        },
      );
      expect(r.stderr).toBe('');
      const wheel = readdirSync(out).find((f) => f.endsWith('.whl'));
      expect(wheel).toMatch(/^taskcell-0\.1\.0-py3-none-any\.whl$/);
      const list = spawnSync(join(VENV, 'bin', 'python'), ['-m', 'zipfile', '-l', join(out, wheel as string)], { encoding: 'utf8' });
      const prefix = 'taskcell-0.1.0.data/data/share/jupyter/labextensions/@taskcell/jupyterlab/';
      expect(list.stdout).toContain(`${prefix}package.json`);
      expect(list.stdout).toContain(`${prefix}install.json`);
      expect(list.stdout).toMatch(new RegExp(`${prefix.replace(/[.@/]/g, '\\$&')}static/remoteEntry\\.[0-9a-f]+\\.js`));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
