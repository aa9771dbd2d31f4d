import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

/** Where temporary volumes are mounted in the container (Girder Worker's `TEMP_VOLUME_MOUNT_PREFIX`). */
export const TEMP_VOLUME_MOUNT_PREFIX = '/mnt/girder_worker';

/** A host directory bind-mounted into the container (Girder Worker's `BindMountVolume`). */
export class BindMountVolume {
  /**
   * @param hostPath - the directory on the host
   * @param containerPath - where the container sees it
   * @param mode - `rw` (default) or `ro`
   */
  constructor(
    readonly hostPath: string,
    readonly containerPath: string,
    readonly mode: 'rw' | 'ro' = 'rw',
  ) {}

  /** The path the container sees (what the volume becomes in container arguments). */
  transform(): string {
    return this.containerPath;
  }

  /** The Docker `Binds` entry: `host:container:mode`. */
  get bind(): string {
    return `${this.hostPath}:${this.containerPath}:${this.mode}`;
  }
}

/**
 * A fresh host directory mounted at `TEMP_VOLUME_MOUNT_PREFIX/<uuid hex>` (Girder Worker's
 * `TemporaryVolume`). Its owner removes it with `dispose()`.
 */
export class TemporaryVolume extends BindMountVolume {
  private disposed = false;

  constructor(options: TemporaryVolume.IOptions = {}) {
    const id = options.id ?? randomUUID().replace(/-/g, '');
    super(mkdtempSync(join(options.dir ?? tmpdir(), 'taskcell-volume-')), `${TEMP_VOLUME_MOUNT_PREFIX}/${id}`, 'rw');
  }

  /** Remove the host directory and what is in it; idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    rmSync(this.hostPath, { recursive: true, force: true });
  }
}

/** TemporaryVolume's options. */
export namespace TemporaryVolume {
  export interface IOptions {
    /** Where the host directory is made (the OS temp dir by default). */
    dir?: string;
    /** The mount's name under the prefix (a random uuid hex by default). */
    id?: string;
  }
}

/** A file or directory in a volume, known by its path on both sides (Girder Worker's `VolumePath`). */
export class VolumePath {
  constructor(
    readonly filename: string,
    readonly volume: BindMountVolume,
  ) {}

  /** The path inside the container, for container arguments. */
  get containerPath(): string {
    return `${this.volume.containerPath}/${this.filename}`;
  }

  /** The path on the host, for reading results after the run. */
  get hostPath(): string {
    return join(this.volume.hostPath, this.filename);
  }

  /** The container path (Girder Worker's `transform()` before the run). */
  transform(): string {
    return this.containerPath;
  }
}
