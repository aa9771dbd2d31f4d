import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { contain } from '@taskcell/core';
import type { GirderClient } from '@taskcell/core';
import type { BindMountVolume, VolumePath } from './volumes';

/**
 * A Girder file downloaded into a volume before the container runs (Girder Worker's
 * `GirderFileIdToVolume`): to `<volume>/<filename>` when a filename is given, else to
 * `<volume>/<file id>/<the file's name in Girder>`. `transform()` downloads it and returns the path
 * the container sees.
 */
export class GirderFileIdToVolume {
  /** Where the file went on the host, once transformed. */
  hostPath: string | undefined;

  constructor(
    readonly fileId: string,
    readonly options: GirderTransform.IOptions & { filename?: string },
  ) {}

  async transform(): Promise<string> {
    const { volume, girder, filename } = this.options;
    const name = filename ?? (await girder.json<{ name: string }>('GET', `file/${this.fileId}`)).name;
    const rel = filename === undefined ? [this.fileId, name] : [name];
    if (filename === undefined) await mkdir(GirderTransform.inside(volume, [this.fileId]));
    this.hostPath = GirderTransform.inside(volume, rel);
    await girder.download(this.fileId, this.hostPath);
    return [volume.containerPath, ...rel].join('/');
  }
}

/**
 * A Girder folder downloaded with its subfolders into a volume before the container runs (Girder
 * Worker's `GirderFolderIdToVolume`), to `<volume>/<folder id>/<folder name>` (the given name, else
 * the folder's name in Girder). `transform()` returns the path the container sees.
 */
export class GirderFolderIdToVolume {
  /** Where the folder went on the host, once transformed. */
  hostPath: string | undefined;

  constructor(
    readonly folderId: string,
    readonly options: GirderTransform.IOptions & { folderName?: string },
  ) {}

  async transform(): Promise<string> {
    const { volume, girder, folderName } = this.options;
    const name = folderName ?? (await girder.json<{ name: string }>('GET', `folder/${this.folderId}`)).name;
    this.hostPath = GirderTransform.inside(volume, [this.folderId, name]);
    await mkdir(this.hostPath, { recursive: true });
    await girder.downloadFolder(this.folderId, this.hostPath);
    return [volume.containerPath, this.folderId, name].join('/');
  }
}

/**
 * A file the container wrote in a volume, uploaded to a Girder item after the run (Girder Worker's
 * `GirderUploadVolumePathToItem`). It is read from its host path (Girder Worker read the container
 * path, the worker and the container sharing one file system). `transform()` returns the item id.
 */
export class GirderUploadVolumePathToItem {
  constructor(
    readonly volumePath: VolumePath,
    readonly itemId: string,
    readonly options: { girder: GirderClient },
  ) {}

  async transform(): Promise<string> {
    await this.options.girder.uploadFile(this.itemId, this.volumePath.hostPath);
    return this.itemId;
  }
}

/** What the Girder transforms share. */
export namespace GirderTransform {
  export interface IOptions {
    /** The volume the data goes into. */
    volume: BindMountVolume;
    /** The server, signed in. */
    girder: GirderClient;
  }

  /** A path in the volume's host directory; names from Girder cannot leave it. */
  export function inside(volume: BindMountVolume, parts: string[]): string {
    return contain(volume.hostPath, join(...parts), { what: 'Girder resource name' });
  }
}
