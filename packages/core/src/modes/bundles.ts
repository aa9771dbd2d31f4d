/**
 * Task bundles: an exported task's code as one ES module (`export default` the task function), named
 * by the `module` field of its spec. `loadTask` makes a relative name absolute against the spec's
 * folder; a worker on another machine finds the file by its base name in the bundle folders it was
 * given (`useBundleDirectory`), or in a folder a bundle source (an artifact store) fills on demand.
 */
import { existsSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SpecError } from '../errors';
import type { IDisposable } from '../events';
import type { ITaskSpec } from '../spec';

/** True when a `module` field names a bundle file (`./name.mjs`, `/abs/name.mjs`) rather than `package:export`. */
export function isBundleRef(ref: string): boolean {
  return ref.endsWith('.mjs');
}

/** Something that can bring a bundle file here by its base name (e.g. from an artifact store); resolves to its path or undefined. */
export type BundleSource = (file: string, task: ITaskSpec) => Promise<string | undefined>;

/** Look for bundles by base name in `dir` too; dispose to stop. */
export function useBundleDirectory(dir: string): IDisposable {
  return Private.add(Private.dirs, resolve(dir));
}

/** Ask `source` for bundles that are found nowhere else; dispose to stop. */
export function useBundleSource(source: BundleSource): IDisposable {
  return Private.add(Private.sources, source);
}

/** The function a bundle exports by default, loaded once per file. */
export async function loadBundle(task: ITaskSpec): Promise<(...args: never[]) => unknown> {
  const ref = task.source.module as string;
  const path = await Private.locate(ref, task);
  let loaded = Private.loaded.get(path);
  if (!loaded) {
    // What a bundle imports from taskcell is this package, shared through a global (see the export's core shim).
    (globalThis as Record<symbol, unknown>)[Symbol.for('taskcell.core')] ??= require('../index');
    loaded = import(pathToFileURL(path).href) as Promise<{ default?: unknown }>;
    Private.loaded.set(path, loaded);
  }
  const fn = (await loaded).default;
  if (typeof fn !== 'function') {
    throw new SpecError(`Task "${task.name ?? '(unnamed)'}": bundle ${path} has no default export function (got ${typeof fn})`, {
      task: task.name,
      path: 'module',
    });
  }
  return fn as (...args: never[]) => unknown;
}

namespace Private {
  export const dirs: string[] = [];
  export const sources: BundleSource[] = [];
  export const loaded = new Map<string, Promise<{ default?: unknown }>>();

  export function add<T>(list: T[], item: T): IDisposable {
    list.push(item);
    let done = false;
    return {
      dispose: () => {
        if (done) return;
        done = true;
        const i = list.indexOf(item);
        if (i >= 0) list.splice(i, 1);
      },
      get isDisposed() {
        return done;
      },
    };
  }

  export async function locate(ref: string, task: ITaskSpec): Promise<string> {
    const direct = isAbsolute(ref) ? ref : resolve(process.cwd(), ref);
    if (existsSync(direct)) return direct;
    const file = basename(ref);
    for (const d of dirs) if (existsSync(resolve(d, file))) return resolve(d, file);
    for (const s of sources) {
      const found = await s(file, task);
      if (found) return found;
    }
    const where = [direct, ...dirs.map((d) => resolve(d, file))];
    throw new SpecError(
      `Task "${task.name ?? '(unnamed)'}": its bundle "${file}" is not here (looked at ${where.join(', ')}${sources.length ? ' and in the bundle sources' : ''}); give a worker the export folder with --bundles DIR`,
      { task: task.name, path: 'module' },
    );
  }
}
