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

/** Install what is missing of `packages` with apt-get; returns what it installed, for the step's closing line. */
export function ensurePackages(sh, packages) {
  const missing = packages.filter((p) => !hasPackages([p]));
  if (missing.length === 0) return `${packages.join(', ')} already installed`;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!updated) {
    sh('apt-get', ['update', '-qq'], { env });
    updated = true;
  }
  // -q (not -qq): apt-get lists each package as it downloads and sets it up.
  sh('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
  return `installed ${missing.join(', ')}`;
}
