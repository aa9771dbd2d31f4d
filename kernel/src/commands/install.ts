import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { OptionError } from '@taskcell/core/lib/errors';
import { installKernelSpec, kernelsDir } from '../jupyter/kernelspec';

const HELP = `usage: taskcell install [--user | --sys-prefix | --prefix PREFIX] [--python PYTHON]

Registers the taskcell kernel with Jupyter (kernel name "taskcell", display name
"TypeScript (taskcell)").

  --user          the per-user kernels directory (the default when not root)
  --sys-prefix    the kernels directory of PYTHON's sys.prefix (a virtualenv or conda env)
  --prefix P      P/share/jupyter/kernels
  --python PY     the Python whose sys.prefix --sys-prefix uses (default: $VIRTUAL_ENV's, else python3)`;

/** \`taskcell install\`. */
export async function installCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      user: { type: 'boolean' },
      'sys-prefix': { type: 'boolean' },
      prefix: { type: 'string' },
      python: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const chosen = [values.user, values['sys-prefix'], values.prefix !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new OptionError(`Expected at most one of --user, --sys-prefix, --prefix, got ${chosen}\n\n${HELP}`, {});
  let prefix = values.prefix;
  if (values['sys-prefix']) prefix = Private.sysPrefix(values.python);
  const user = values.user || (prefix === undefined && process.getuid?.() !== 0);
  const dir = installKernelSpec(kernelsDir({ user, prefix }));
  process.stdout.write(`Installed the taskcell kernelspec in ${dir}\n`);
  // The compiler's startup snapshot, so the first kernel starts as fast as the next ones.
  process.stdout.write("Building the kernel's compiler snapshot (a few seconds, once per version)...\n");
  const { buildSnapshot } = require('../jupyter/compiler/snapshot') as typeof import('../jupyter/compiler/snapshot');
  try {
    const blob = buildSnapshot();
    process.stdout.write(blob ? `Built ${blob}\n` : 'No snapshot: the code cache is off, or another process is building it\n');
  } catch (err) {
    // The kernel works without it (its first kernel tries to build it again, in the background).
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    process.stderr.write(`taskcell install: the compiler snapshot could not be built, so kernels start without it: ${why}\n`);
  }
  return 0;
}

namespace Private {
  export function sysPrefix(python: string | undefined): string {
    if (!python && process.env.VIRTUAL_ENV) return process.env.VIRTUAL_ENV;
    const py = python ?? 'python3';
    const r = spawnSync(py, ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8' });
    if (r.status !== 0)
      throw new OptionError(`Expected ${py} to print its sys.prefix, got exit ${String(r.status)}: ${r.stderr || String(r.error)}`, {});
    return r.stdout.trim();
  }
}
