import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync, realpathSync } from 'node:fs';
import { resolveImport } from './esm-resolve';
import { CachedModule } from './code-cache';
import type { TypeScriptModule } from './compiler/type-resolution';

export type { TypeScriptModule } from './compiler/type-resolution';

/** The packages a cell always gets from the kernel itself, whatever the notebook's directory holds. */
export const OWN_PACKAGES = ['taskcell', '@taskcell/core', '@taskcell/display'] as const;

/** Where each of the kernel's own packages lives on disk (real paths). */
export function ownPackageRoots(): Map<string, string> {
  const roots = new Map<string, string>();
  roots.set('taskcell', realpathSync(join(__dirname, '..', '..')));
  for (const name of ['@taskcell/core', '@taskcell/display'])
    roots.set(name, realpathSync(dirname(require.resolve(`${name}/package.json`))));
  return roots;
}

/**
 * The node_modules folders the kernel's own modules resolve from, nearest first: where a notebook
 * finds the packages taskcell ships (dockerode, tar, ...) when its own folder has none.
 */
export function kernelModuleDirs(): string[] {
  return (require.resolve.paths('taskcell') ?? []).filter((d) => existsSync(d));
}

/** The compiler's module, loaded through V8's code cache. */
let compiler: CachedModule | undefined;

/**
 * Load the compiler tslab uses. Its 9 MB of JavaScript is compiled from V8's code cache when a
 * kernel has run before (see saveCompilerCode), which shortens the wait for a first cell.
 */
export function loadTypeScript(): TypeScriptModule {
  const fromTslab = createRequire(require.resolve('tslab/package.json'));
  compiler ??= new CachedModule(fromTslab.resolve('@tslab/typescript-for-tslab'));
  return compiler.exports as TypeScriptModule;
}

/** Keep the compiler's code compiled so far for the next kernel (once; nothing when it came from the cache). */
export function saveCompilerCode(): void {
  compiler?.save();
}

/**
 * `require` for cells: the kernel's own packages come from the kernel (one instance of the
 * runner and the display sink); everything else resolves from the notebook's directory, CommonJS
 * and ESM-only packages alike (Node 20.19+ loads ESM through require; packages that export only
 * an `import` entry are resolved with import conditions first).
 */
export function createCellRequire(cwd: string): NodeJS.Require {
  const fromCwd = createRequire(join(cwd, '__taskcell_cell__.js'));
  const fromKernel = createRequire(__filename);
  const own: Record<string, () => unknown> = {
    taskcell: () => require('../index'),
    '@taskcell/core': () => require('@taskcell/core'),
    '@taskcell/display': () => require('@taskcell/display'),
  };
  const load = (id: string): unknown => {
    if (Object.prototype.hasOwnProperty.call(own, id)) return own[id]();
    try {
      return fromCwd(id);
    } catch (err) {
      // An ESM-only package whose exports have no `require` entry: resolve as `import` would, then load it (require(esm)).
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED' && code !== 'MODULE_NOT_FOUND') throw err;
      const file = resolveImport(id, cwd);
      if (file) return fromCwd(file);
      // Not in the notebook's directory: a package the kernel ships (dockerode, tar, ...), from its installation.
      try {
        return fromKernel(id);
      } catch {
        const own = resolveImport(id, __dirname);
        if (!own) throw err;
        return fromKernel(own);
      }
    }
  };
  const req = load as NodeJS.Require;
  req.resolve = fromCwd.resolve;
  req.cache = fromCwd.cache;
  req.extensions = fromCwd.extensions;
  req.main = fromCwd.main;
  return req;
}
