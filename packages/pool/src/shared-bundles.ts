import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isBundleRef, useBundleSource } from '@taskcell/core';
import type { IDisposable, ITaskSpec } from '@taskcell/core';
import type { IArtifactStore } from './artifact-store';

/**
 * Exported task bundles travel through a remote pool's directory artifact store
 * (`<store>/bundles/<code_id>.mjs`): a client that sends a task whose bundle it has puts the bundle
 * there once, and workers of that store find it there, so a newly exported task runs on workers
 * without copying anything to them.
 */
export function publishBundle(task: ITaskSpec, store: IArtifactStore | undefined): Promise<void> {
  const { module, code_id: id } = task.source;
  if (store?.descriptor.kind !== 'directory' || typeof module !== 'string' || !isBundleRef(module) || !Private.isCodeId(id)) {
    return Promise.resolve();
  }
  const dest = Private.inStore(store.descriptor.path as string, id);
  let done = Private.published.get(dest);
  if (!done) {
    done = (async () => {
      if (existsSync(dest) || !existsSync(module)) return;
      await mkdir(dirname(dest), { recursive: true });
      const tmp = `${dest}.${process.pid}.part`;
      await copyFile(module, tmp);
      await rename(tmp, dest);
    })().catch(() => void Private.published.delete(dest));
    Private.published.set(dest, done);
  }
  return done;
}

/** Let this process find bundles in the directory artifact store at `dir`; dispose to stop. */
export function useStoreBundles(dir: string): IDisposable {
  return useBundleSource(async (_file, task) => {
    const id = task.source.code_id;
    if (!Private.isCodeId(id)) return undefined;
    const path = Private.inStore(dir, id);
    return existsSync(path) ? path : undefined;
  });
}

namespace Private {
  export const published = new Map<string, Promise<void>>();

  /** A code id names a file: only a sha-256 in hex is taken (nothing from a payload becomes a path otherwise). */
  export function isCodeId(id: unknown): id is string {
    return typeof id === 'string' && /^[0-9a-f]{64}$/.test(id);
  }

  export function inStore(dir: string, id: string): string {
    return join(dir, 'bundles', `${id}.mjs`);
  }
}
