import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The conditions an `import` in Node matches, in the order Node tries them. */
export const IMPORT_CONDITIONS = ['node', 'import', 'module-sync', 'default'];

/**
 * Resolve a bare specifier the way `import` would, from `fromDir` up: for ESM-only packages whose
 * `exports` have no `require` entry. Returns the file's absolute path, or undefined. Subpath
 * patterns (`./*`) are supported; anything more exotic is left to Node's own error.
 */
export function resolveImport(specifier: string, fromDir: string): string | undefined {
  const m = /^((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(specifier);
  if (!m || specifier.startsWith('.') || specifier.startsWith('/') || specifier.includes(':')) return undefined;
  const [, name, rest] = m;
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const pkgDir = join(dir, 'node_modules', name);
    const pkgJson = join(pkgDir, 'package.json');
    if (existsSync(pkgJson)) {
      const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as { exports?: unknown; module?: string; main?: string };
      const subpath = rest ? `.${rest}` : '.';
      const target =
        pkg.exports !== undefined ? Private.exportsTarget(pkg.exports, subpath) : subpath === '.' ? (pkg.module ?? pkg.main) : subpath;
      return target ? join(pkgDir, target) : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

namespace Private {
  export function exportsTarget(exports: unknown, subpath: string): string | undefined {
    if (typeof exports === 'string' || Array.isArray(exports)) return subpath === '.' ? conditional(exports) : undefined;
    if (!exports || typeof exports !== 'object') return undefined;
    const map = exports as Record<string, unknown>;
    const keys = Object.keys(map);
    if (!keys.some((k) => k.startsWith('.'))) return subpath === '.' ? conditional(map) : undefined;
    if (subpath in map) return conditional(map[subpath]);
    for (const key of keys) {
      const star = key.indexOf('*');
      if (star < 0) continue;
      const [pre, post] = [key.slice(0, star), key.slice(star + 1)];
      if (subpath.startsWith(pre) && subpath.endsWith(post) && subpath.length >= key.length - 1) {
        const hit = subpath.slice(pre.length, subpath.length - post.length);
        return conditional(map[key])?.replace(/\*/g, hit);
      }
    }
    return undefined;
  }

  function conditional(target: unknown): string | undefined {
    if (typeof target === 'string') return target;
    if (Array.isArray(target)) {
      for (const t of target) {
        const r = conditional(t);
        if (r) return r;
      }
      return undefined;
    }
    if (target && typeof target === 'object') {
      for (const [cond, t] of Object.entries(target as Record<string, unknown>)) {
        if (IMPORT_CONDITIONS.includes(cond)) {
          const r = conditional(t);
          if (r) return r;
        }
      }
    }
    return undefined;
  }
}
