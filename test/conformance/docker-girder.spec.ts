/**
 * Girder Worker's docker Girder transforms (`cases/docker.json`, `docker.transforms.Girder*`), run
 * against a real Girder 5 instead of Girder Worker's mocked client: the case's `BOGUS_ID` is a real
 * file, folder or item made for it, and its volume's host path a real directory. They need no Docker
 * engine (they download before a container starts and upload after it ends), so they run here rather
 * than in the docker suite.
 */
import { GirderClient } from '@taskcell/core';
import { BindMountVolume, GirderFileIdToVolume, GirderFolderIdToVolume, GirderUploadVolumePathToItem, VolumePath } from '@taskcell/docker';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onDemand } from '../services/ferretdb';
import { startGirder } from '../services/girder';
import { conformance } from './harness';
import type { ICase } from './harness';

type Json = Record<string, string>;
type Model = { _id: string; name: string };

const girderServer = onDemand(startGirder);
const CONTAINER = '/bogus/volume/container_path';

/** A real Girder, signed in, with a folder to make the case's resources in. */
async function setup(): Promise<{ girder: GirderClient; folder: Model }> {
  const server = await girderServer();
  const girder = new GirderClient({ apiUrl: server.apiUrl, token: server.token });
  const collection = await server.call<Model>('POST', 'collection', { name: `gw-${Date.now()}-${Math.random().toString(16).slice(2)}` });
  const folder = await server.call<Model>('POST', 'folder', { parentType: 'collection', parentId: collection._id, name: 'f' });
  return { girder, folder };
}

/** A new item in `folder` holding one file named `name`. */
async function fileNamed(girder: GirderClient, folderId: string, name: string, text: string): Promise<{ item: Model; file: Model }> {
  const item = await girder.json<Model>('POST', 'item', { folderId, name });
  const file = await girder.upload(item._id, name, Buffer.from(text));
  return { item, file };
}

/** The case's expected paths with BOGUS_ID and the bogus host path made real. */
function expected(c: ICase, id: string, host: string): Json {
  return JSON.parse(JSON.stringify(c.expected).replaceAll('BOGUS_ID', id).replaceAll('/bogus/volume/host_path', host)) as Json;
}

conformance(
  'docker.json',
  async (c) => {
    const { girder, folder } = await setup();
    const host = mkdtempSync(join(tmpdir(), 'tc-gw-volume-'));
    const volume = new BindMountVolume(host, CONTAINER);
    try {
      await transformCase(c, girder, folder, volume);
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  },
  {},
  { label: 'docker.json (Girder transforms)', only: (c) => c.name.startsWith('docker.transforms.Girder') },
);

async function transformCase(c: ICase, girder: GirderClient, folder: Model, volume: BindMountVolume): Promise<void> {
  const host = volume.hostPath;
  switch (c.name) {
    case 'docker.transforms.GirderFileIdToVolume': {
      const { file } = await fileNamed(girder, folder._id, 'bogus.txt', 'bogus');
      const want = expected(c, file._id, host);
      const t = new GirderFileIdToVolume(file._id, { volume, girder });
      expect(await t.transform()).toBe(want.transform);
      expect(statSync(want.mkdir).isDirectory()).toBe(true);
      expect(t.hostPath).toBe(want.download_to);
      expect(readFileSync(want.download_to, 'utf8')).toBe('bogus');
      return;
    }
    case 'docker.transforms.GirderFileIdToVolume_filename': {
      const { file } = await fileNamed(girder, folder._id, 'bogus.txt', 'bogus');
      const want = expected(c, file._id, host);
      const t = new GirderFileIdToVolume(file._id, { volume, girder, filename: 'foo.txt' });
      expect(await t.transform()).toBe(want.transform);
      expect(readFileSync(want.download_to, 'utf8')).toBe('bogus');
      // No folder named after the id when a filename is given.
      expect(existsSync(join(host, file._id))).toBe(false);
      return;
    }
    case 'docker.transforms.GirderFolderIdToVolume': {
      await fileNamed(girder, folder._id, 'inside.txt', 'inside');
      const want = expected(c, folder._id, host);
      const t = new GirderFolderIdToVolume(folder._id, { volume, girder, folderName: 'f' });
      expect(await t.transform()).toBe(want.transform);
      expect(statSync(want.makedirs).isDirectory()).toBe(true);
      expect(readFileSync(join(want.makedirs, 'inside.txt'), 'utf8')).toBe('inside');
      return;
    }
    case 'docker.transforms.GirderUploadVolumePathToItem': {
      const item = await girder.json<Model>('POST', 'item', { folderId: folder._id, name: 'results' });
      writeFileSync(join(host, 'test'), 'written by the container');
      const want = JSON.parse(JSON.stringify(c.expected).replaceAll('BOGUS_ITEM_ID', item._id)) as {
        returns: string;
        uploadFileToItem: string[];
      };
      const path = new VolumePath('test', volume);
      // Girder Worker uploaded from the container path; taskcell reads the same file at its host path.
      expect(path.transform()).toBe(want.uploadFileToItem[1]);
      expect(await new GirderUploadVolumePathToItem(path, item._id, { girder }).transform()).toBe(want.returns);
      const files = await girder.json<Model[]>('GET', `item/${want.uploadFileToItem[0]}/files`);
      expect(files.map((f) => f.name)).toEqual(['test']);
      const bytes = await girder.request('GET', `file/${files[0]._id}/download`);
      expect(await bytes.text()).toBe('written by the container');
      return;
    }
    default:
      throw new Error(`no handler for ${c.name}`);
  }
}
