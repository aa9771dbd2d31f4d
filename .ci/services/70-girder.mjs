// Girder 5 for the girder binding's tests, in a venv of its own (.venv-girder: its pins would fight
// JupyterLab's). The tests start `girder serve` on a free loopback port on a FerretDB of their own
// (.ci/services/60-ferretdb.mjs) and stop both by pid; nothing runs here.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The Girder release line the tests run against. */
export const GIRDER_REQUIREMENT = 'girder>=5,<6';

export async function install({ sh, root }) {
  const venv = join(root, '.venv-girder');
  const girder = join(venv, 'bin', 'girder');
  if (existsSync(girder) && spawnSync(girder, ['serve', '--help'], { stdio: 'ignore' }).status === 0) return;
  // A venv copied or moved from elsewhere keeps the old path in its scripts: make it anew.
  rmSync(venv, { recursive: true, force: true });
  sh('python3', ['-m', 'venv', venv]);
  sh(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', GIRDER_REQUIREMENT]);
}
