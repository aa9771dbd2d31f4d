import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The kernel's name in Jupyter. */
export const KERNEL_NAME = 'taskcell';

/** The kernelspec (`kernel.json`) that starts this kernel with this Node and this package. */
export function kernelSpec(): Record<string, unknown> {
  return {
    argv: [process.execPath, resolve(__dirname, '..', '..', 'bin', 'taskcell.js'), 'kernel', '--connection-file', '{connection_file}'],
    display_name: 'TypeScript (taskcell)',
    language: 'typescript',
    // The I/O thread serves interrupt_request on the control channel even while a cell blocks.
    interrupt_mode: 'message',
    env: {},
    metadata: { debugger: false },
  };
}

/** Where `jupyter kernelspec` keeps kernels for a user, a prefix, or the system. */
export function kernelsDir(where: { user?: boolean; prefix?: string }): string {
  if (where.prefix) return join(where.prefix, 'share', 'jupyter', 'kernels');
  if (where.user) {
    if (process.platform === 'darwin') return join(homedir(), 'Library', 'Jupyter', 'kernels');
    if (process.platform === 'win32') return join(process.env.APPDATA ?? homedir(), 'jupyter', 'kernels');
    return join(
      process.env.JUPYTER_DATA_DIR ?? join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'jupyter'),
      'kernels',
    );
  }
  return process.platform === 'win32'
    ? join(process.env.PROGRAMDATA ?? 'C:\\ProgramData', 'jupyter', 'kernels')
    : '/usr/local/share/jupyter/kernels';
}

/** Write the kernelspec into `<kernelsDir>/taskcell`; returns that directory. Rewriting is harmless. */
export function installKernelSpec(dir: string): string {
  const target = join(dir, KERNEL_NAME);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, 'kernel.json'), `${JSON.stringify(kernelSpec(), null, 2)}\n`);
  return target;
}
