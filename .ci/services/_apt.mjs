// Install Debian packages that are missing (CI runs as root on a fresh machine; a developer's
// machine usually has them already, and then this costs one dpkg query).
import { spawnSync } from 'node:child_process';

let updated = false;

/** True when every package is installed. */
export function hasPackages(packages) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}\n', ...packages], { encoding: 'utf8' });
  return (
    r.status === 0 &&
    r.stdout
      .trim()
      .split('\n')
      .every((l) => l.endsWith(' installed'))
  );
}

/** Install what is missing of `packages` with apt-get. */
export function ensurePackages(sh, packages) {
  const missing = packages.filter((p) => !hasPackages([p]));
  if (missing.length === 0) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!updated) {
    sh('apt-get', ['update', '-qq'], { env });
    updated = true;
  }
  sh('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
}
