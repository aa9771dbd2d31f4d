import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { existsSync, realpathSync } from 'node:fs';
import { resolveImport } from './esm-resolve';
import { CachedModule } from './code-cache';

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

/** The compiler module tslab uses (the same instance, so patching its `sys` reaches tslab's converter). */
export type TypeScriptModule = typeof import('@tslab/typescript-for-tslab');

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
 * Make `import ... from "taskcell"` type-check from a notebook in any directory: paths under
 * `<cwd>/node_modules/<own package>` are served from the kernel's own packages, and `realpath`
 * maps them back so their own imports resolve beside them. A package the notebook's directory
 * does not have (no node_modules there at all, or not that package) is served from the kernel's
 * installation (`fallbackDirs`), with its `@types`. The notebook directory's own packages still
 * win. Returns a function that undoes the patch.
 */
export function patchTypeResolution(
  ts: TypeScriptModule,
  cwd: string,
  roots: Map<string, string> = ownPackageRoots(),
  fallbackDirs: string[] = kernelModuleDirs(),
): () => void {
  const sys = ts.sys;
  const slashed = (p: string): string => p.split(sep).join('/');
  const modules = slashed(join(cwd, 'node_modules'));
  const prefixes = [...roots].map(([name, root]) => ({ virtual: slashed(join(cwd, 'node_modules', ...name.split('/'))), root }));
  // Package (or scope) name -> where the kernel has it, or null when the notebook's directory has it or nobody does.
  const fallbacks = new Map<string, string | null>();
  const fallback = (name: string): string | null => {
    let root = fallbacks.get(name);
    if (root === undefined) {
      root = null;
      if (!existsSync(join(modules, name))) {
        for (const dir of fallbackDirs) {
          if (existsSync(join(dir, name))) {
            root = slashed(join(dir, name));
            break;
          }
        }
      }
      fallbacks.set(name, root);
    }
    return root;
  };
  const mapOwn = (p: string): string => {
    for (const { virtual, root } of prefixes) {
      if (p === virtual || p.startsWith(`${virtual}/`)) return root + p.slice(virtual.length);
    }
    return p;
  };
  const map = (p: string): string => {
    const own = mapOwn(p);
    if (own !== p || !p.startsWith(`${modules}/`)) return own;
    const rest = p.slice(modules.length + 1);
    const parts = rest.split('/');
    const name = parts.slice(0, rest.startsWith('@') ? 2 : 1).join('/');
    const root = fallback(name);
    return root === null ? p : root + rest.slice(name.length);
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
  sys.directoryExists = (p) =>
    saved.directoryExists.call(sys, map(p)) ||
    prefixes.some(({ virtual }) => virtual.startsWith(`${p}/`)) ||
    (p === modules && fallbackDirs.length > 0);
  // Listing stays the notebook's own, so the kernel's @types are not all pulled into every cell;
  // but where the notebook has no @types of its own, Node's types come from the kernel (as tslab's do).
  sys.getDirectories = (p) => {
    const own = saved.getDirectories.call(sys, mapOwn(p));
    return p === `${modules}/@types` && own.length === 0 && fallback('@types/node') !== null ? ['node'] : own;
  };
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
