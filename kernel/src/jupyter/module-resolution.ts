import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { realpathSync } from 'node:fs';
import { resolveImport } from './esm-resolve';

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

/** The compiler module tslab uses (the same instance, so patching its `sys` reaches tslab's converter). */
export type TypeScriptModule = typeof import('@tslab/typescript-for-tslab');

/** Load the compiler tslab uses. */
export function loadTypeScript(): TypeScriptModule {
  const fromTslab = createRequire(require.resolve('tslab/package.json'));
  return fromTslab('@tslab/typescript-for-tslab') as TypeScriptModule;
}

/**
 * Make `import ... from "taskcell"` type-check from a notebook in any directory: paths under
 * `<cwd>/node_modules/<own package>` are served from the kernel's own packages, and `realpath`
 * maps them back so their own imports resolve beside them. Everything else is untouched, so the
 * notebook directory's own node_modules still resolve. Returns a function that undoes the patch.
 */
export function patchTypeResolution(ts: TypeScriptModule, cwd: string, roots: Map<string, string> = ownPackageRoots()): () => void {
  const sys = ts.sys;
  const prefixes = [...roots].map(([name, root]) => ({
    virtual: join(cwd, 'node_modules', ...name.split('/'))
      .split(sep)
      .join('/'),
    root,
  }));
  const map = (p: string): string => {
    for (const { virtual, root } of prefixes) {
      if (p === virtual || p.startsWith(`${virtual}/`)) return root + p.slice(virtual.length);
    }
    return p;
  };
  const saved = {
    fileExists: sys.fileExists,
    readFile: sys.readFile,
    directoryExists: sys.directoryExists,
    realpath: sys.realpath,
    getDirectories: sys.getDirectories,
  };
  sys.fileExists = (p) => saved.fileExists.call(sys, map(p));
  sys.readFile = (p, enc) => saved.readFile.call(sys, map(p), enc);
  sys.directoryExists = (p) => saved.directoryExists.call(sys, map(p)) || prefixes.some(({ virtual }) => virtual.startsWith(`${p}/`));
  sys.getDirectories = (p) => saved.getDirectories.call(sys, map(p));
  const realpath = saved.realpath;
  if (realpath) sys.realpath = (p) => realpath.call(sys, map(p));
  return () => Object.assign(sys, saved);
}

/**
 * `require` for cells: the kernel's own packages come from the kernel (one instance of the
 * runner and the display sink); everything else resolves from the notebook's directory, CommonJS
 * and ESM-only packages alike (Node 20.19+ loads ESM through require; packages that export only
 * an `import` entry are resolved with import conditions first).
 */
export function createCellRequire(cwd: string): NodeJS.Require {
  const fromCwd = createRequire(join(cwd, '__taskcell_cell__.js'));
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
      const file = code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' || code === 'MODULE_NOT_FOUND' ? resolveImport(id, cwd) : undefined;
      if (!file) throw err;
      return fromCwd(file);
    }
  };
  const req = load as NodeJS.Require;
  req.resolve = fromCwd.resolve;
  req.cache = fromCwd.cache;
  req.extensions = fromCwd.extensions;
  req.main = fromCwd.main;
  return req;
}
