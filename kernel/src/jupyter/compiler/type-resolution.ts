/**
 * How the compiler finds a notebook's modules and types. Only Node's own modules here: the compiler
 * process's snapshot bundles this file (see snapshot-entry.ts).
 */
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';

/** The compiler module tslab uses (the same instance, so patching its `sys` reaches tslab's converter). */
export type TypeScriptModule = typeof import('@tslab/typescript-for-tslab');

/**
 * Make `import ... from "taskcell"` type-check from a notebook in any directory: paths under
 * `<cwd>/node_modules/<own package>` are served from the kernel's own packages, and `realpath`
 * maps them back so their own imports resolve beside them. A package the notebook's directory
 * does not have (no node_modules there at all, or not that package) is served from the kernel's
 * installation (`fallbackDirs`), with its `@types`. The notebook directory's own packages still
 * win. Returns a function that undoes the patch.
 */
export function patchTypeResolution(ts: TypeScriptModule, cwd: string, roots: Map<string, string>, fallbackDirs: string[]): () => void {
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
