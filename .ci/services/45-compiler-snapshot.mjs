// The kernel's compiler starts from a V8 startup snapshot (kernel/src/jupyter/compiler/snapshot.ts):
// built here, once per Node, compiler and kernel version, so the first kernel starts fast too.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const title = "The kernel's compiler snapshot (V8 startup snapshot of TypeScript with its lib files)";

export function install({ root }) {
  const r = spawnSync(process.execPath, [join(root, 'kernel', 'lib', 'jupyter', 'compiler', 'build-snapshot.js')], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`building the compiler snapshot failed (exit ${r.status})`);
  return r.stdout.trim();
}
