// JupyterLab in the project venv (.venv) with the taskcell extension and kernel, and Chromium for
// the browser tests. Each step runs only when something is missing or out of date.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePackages } from './_apt.mjs';

function mtime(p) {
  return existsSync(p) ? statSync(p).mtimeMs : 0;
}

/** The newest modification time under `p`. */
function newest(p) {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(p).map((n) => (n === 'labextension' || n === '__pycache__' ? 0 : newest(join(p, n)))));
}

/** What this step installs. */
export const title = 'JupyterLab with the taskcell extension and kernelspec in .venv, and Chromium for the browser tests';

export async function install({ sh, root }) {
  const did = [ensurePackages(sh, ['chromium'])];
  const venv = join(root, '.venv');
  const python = join(venv, 'bin', 'python');
  if (!existsSync(python)) sh('python3', ['-m', 'venv', venv]);
  const pip = [python, '-m', 'pip', 'install', '--disable-pip-version-check'];
  if (spawnSync(python, ['-c', 'import jupyterlab, hatchling, hatch_jupyter_builder']).status !== 0) {
    const constraints = join(root, 'test', 'python', 'constraints.txt');
    sh(pip[0], [...pip.slice(1), '-c', constraints, 'jupyterlab>=4.4,<5', 'hatchling>=1.5', 'hatch-jupyter-builder>=0.5']);
    did.push('installed JupyterLab');
  }
  // The extension, as a user gets it: `pip install .` (the build hook builds the labextension). The
  // venv already has the build requirements, so the build skips pip's isolated environment.
  const installed = join(venv, 'share', 'jupyter', 'labextensions', '@taskcell', 'jupyterlab', 'package.json');
  const sources = ['extension/src', 'extension/package.json', 'style', 'pyproject.toml', 'install.json', 'python'].map((p) =>
    newest(join(root, p)),
  );
  if (Math.max(...sources) > mtime(installed)) {
    // The build hook watches extension/ only; the CSS in style/ is rebuilt here.
    const built = join(root, 'python', 'taskcell_jupyterlab', 'labextension', 'package.json');
    if (Math.max(...sources) > mtime(built))
      sh('npm', ['run', 'build:labextension'], { env: { ...process.env, PATH: `${join(venv, 'bin')}:${process.env.PATH}` } });
    sh(pip[0], [...pip.slice(1), '--no-build-isolation', root], {
      env: { ...process.env, PATH: `${join(venv, 'bin')}:${process.env.PATH}` },
    });
    did.push('built and installed the extension');
  }
  // The taskcell kernelspec, pointing at this checkout.
  const spec = join(venv, 'share', 'jupyter', 'kernels', 'taskcell', 'kernel.json');
  if (!existsSync(spec) || !readFileSync(spec, 'utf8').includes(join(root, 'kernel'))) {
    sh('node', [join(root, 'kernel', 'bin', 'taskcell.js'), 'install', '--prefix', venv]);
    did.push('registered the kernel');
  }
  return did.length === 1 ? `${did[0]}; JupyterLab, the extension and the kernel already installed` : did.join('; ');
}
