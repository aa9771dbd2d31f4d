import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OptionError } from '@taskcell/core';
import { DirectoryArtifactStore, openArtifactStore, registerArtifactStore } from '@taskcell/pool';
import type { IArtifactStore } from '@taskcell/pool';

describe('artifact stores', () => {
  test('the directory store keeps, returns and forgets bytes', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tc-store-')), 'made-on-first-use');
    const store = new DirectoryArtifactStore({ path: dir });
    const ref = await store.put(Buffer.from('hello'));
    expect(ref).toMatchObject({ store: { kind: 'directory', path: dir }, size: 5 });
    expect((await store.get(ref)).toString()).toBe('hello');
    // A worker elsewhere opens the same store from the reference alone.
    expect((await openArtifactStore(ref.store).get(ref)).toString()).toBe('hello');
    await store.delete(ref);
    await store.delete(ref);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a key that could leave the directory is refused', async () => {
    const store = new DirectoryArtifactStore({ path: mkdtempSync(join(tmpdir(), 'tc-store-')) });
    await expect(store.get({ store: store.descriptor, key: '../etc/passwd', size: 1 })).rejects.toThrow(
      /Expected an artifact key like "<uuid>.bin", got "..\/etc\/passwd"/,
    );
  });

  test('other kinds plug in by name; an unknown kind is an OptionError naming the known ones', () => {
    expect(() => openArtifactStore({ kind: 's3', bucket: 'b' })).toThrow(OptionError);
    expect(() => openArtifactStore({ kind: 's3', bucket: 'b' })).toThrow(/known kind \(directory\), got "s3"/);
    const fake = { descriptor: { kind: 's3' } } as IArtifactStore;
    const reg = registerArtifactStore('s3', () => fake);
    expect(openArtifactStore({ kind: 's3' })).toBe(fake);
    reg.dispose();
    expect(() => openArtifactStore({ kind: 's3' })).toThrow(OptionError);
  });
});
