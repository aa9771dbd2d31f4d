import { mkdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { OptionError } from '@taskcell/core';

/** Where a stored blob is, in a form every worker can read: the store's description and the blob's key. */
export interface IStoredRef {
  store: IArtifactStore.IDescriptor;
  key: string;
  size: number;
}

/**
 * A place all workers and clients share, for data too big to travel inline through the queue. The
 * directory store is built in; an object store (S3) can follow by implementing this and registering
 * its kind with `registerArtifactStore`.
 */
export interface IArtifactStore {
  /** How a worker on another machine opens the same store (JSON). */
  readonly descriptor: IArtifactStore.IDescriptor;
  /** Keep bytes; resolves to their reference. */
  put(bytes: Uint8Array): Promise<IStoredRef>;
  /** The bytes of a reference. */
  get(ref: IStoredRef): Promise<Buffer>;
  /** Forget a reference; missing ones are fine. */
  delete(ref: IStoredRef): Promise<void>;
}

/** Store descriptors and openers. */
export namespace IArtifactStore {
  /** JSON that names a store: its kind and where it is. */
  export interface IDescriptor {
    kind: string;
    [key: string]: unknown;
  }
}

/** A directory every worker sees (a network share, or one machine's disk). */
export class DirectoryArtifactStore implements IArtifactStore {
  readonly descriptor: IArtifactStore.IDescriptor;
  private readonly dir: string;
  private made: Promise<unknown> | undefined;

  constructor(options: DirectoryArtifactStore.IOptions) {
    this.dir = resolve(options.path);
    this.descriptor = { kind: 'directory', path: this.dir };
  }

  async put(bytes: Uint8Array): Promise<IStoredRef> {
    await (this.made ??= mkdir(this.dir, { recursive: true }));
    const key = `${randomUUID()}.bin`;
    // Write then rename, so a reader never sees half a blob.
    const tmp = join(this.dir, `.${key}.tmp`);
    await writeFile(tmp, bytes);
    await rename(tmp, join(this.dir, key));
    return { store: this.descriptor, key, size: bytes.byteLength };
  }

  async get(ref: IStoredRef): Promise<Buffer> {
    return readFile(join(this.dir, Private.checkKey(ref.key)));
  }

  async delete(ref: IStoredRef): Promise<void> {
    await rm(join(this.dir, Private.checkKey(ref.key)), { force: true });
  }
}

/** DirectoryArtifactStore's options. */
export namespace DirectoryArtifactStore {
  export interface IOptions {
    /** The shared directory (made on first use). */
    path: string;
  }
}

/** Teach `openArtifactStore` a store kind; returns a disposable. */
export function registerArtifactStore(kind: string, open: (descriptor: IArtifactStore.IDescriptor) => IArtifactStore): { dispose(): void } {
  Private.kinds.set(kind, open);
  return { dispose: () => Private.kinds.delete(kind) };
}

/** Open the store a descriptor names (on a worker, from a job's payload). */
export function openArtifactStore(descriptor: IArtifactStore.IDescriptor): IArtifactStore {
  const open = Private.kinds.get(descriptor.kind);
  if (!open) {
    throw new OptionError(
      `Expected an artifact store of a known kind (${[...Private.kinds.keys()].join(', ')}), got "${descriptor.kind}"`,
      {
        store: descriptor.kind,
      },
    );
  }
  return open(descriptor);
}

namespace Private {
  export const kinds = new Map<string, (d: IArtifactStore.IDescriptor) => IArtifactStore>([
    ['directory', (d) => new DirectoryArtifactStore({ path: String(d.path) })],
  ]);

  export function checkKey(key: string): string {
    if (!/^[\w-]+\.bin$/.test(key))
      throw new OptionError(`Expected an artifact key like "<uuid>.bin", got ${JSON.stringify(key)}`, { key });
    return key;
  }
}
