// The project venv (.venv): Python packages the tests need, from test/python/requirements.txt.
// Versions are pinned in test/python/constraints.txt. Reinstalls only when either file is newer than
// the venv's marker, and makes the venv anew when its scripts do not run (a venv copied or moved from
// elsewhere keeps the old path in them).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What this step installs. */
export const title = 'Python venv (.venv): JupyterLab, nbclient, papermill and the packages of test/python/requirements.txt';

export async function install({ sh, root }) {
  const venv = join(root, '.venv');
  const python = join(venv, 'bin', 'python');
  const jupyter = join(venv, 'bin', 'jupyter');
  if (existsSync(jupyter) && spawnSync(jupyter, ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.log(`${jupyter} does not run; making the venv anew`);
    rmSync(venv, { recursive: true, force: true });
  }
  if (!existsSync(python)) sh('python3', ['-m', 'venv', venv]);
  const req = join(root, 'test', 'python', 'requirements.txt');
  const constraints = join(root, 'test', 'python', 'constraints.txt');
  const marker = join(venv, '.taskcell-requirements');
  const changed = Math.max(statSync(req).mtimeMs, statSync(constraints).mtimeMs);
  if (existsSync(marker) && statSync(marker).mtimeMs >= changed) return 'already installed';
  // Not --quiet: pip names each package as it collects, downloads (with a progress bar on a terminal) and installs it.
  sh(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-r', req, '-c', constraints]);
  writeFileSync(marker, new Date().toISOString());
  return 'installed';
}
