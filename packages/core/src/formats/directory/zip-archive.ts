import { createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as yauzl from 'yauzl';
import * as yazl from 'yazl';
import { ArchiveMembers, extractionTarget, partialPath, trimSeparators } from './archive-paths';

/**
 * Zip a directory the way Girder Worker's `path_to_zip` does: into `<dir>.zip` beside it (or
 * `output`), every member prefixed with the directory's name (`shapefile/shapefile.prj`). Regular
 * files and links to regular files are archived, as Python's `os.walk` + `ZipFile.write` do; links to
 * directories, sockets, FIFOs and broken links are left out. Unlike Girder Worker, empty directories
 * get an entry, so a round trip keeps them. Files are streamed (deflated), never held in memory.
 * Resolves with the archive's path.
 */
export async function zipDirectory(dir: string, output?: string): Promise<string> {
  const source = trimSeparators(dir);
  const out = output ?? `${source}.zip`;
  const zip = new yazl.ZipFile();
  // yazl reports a file it cannot read on the ZipFile; end the output with it so the pipeline rejects.
  zip.on('error', (err: Error) => (zip.outputStream as Readable).destroy(err));
  const prefix = basename(resolve(source));
  await Private.walk(source, prefix, zip);
  const part = partialPath(out);
  zip.end();
  try {
    await pipeline(zip.outputStream as Readable, createWriteStream(part));
    await rename(part, out);
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
  return out;
}

/**
 * Extract a zip archive the way Girder Worker's `zip_to_path` does: into the archive's path without
 * its extension (`data/x.zip` -> `data/x`), or `target`. Every member name is checked before
 * anything is written: one that would land outside the target (`../x`, an absolute path, through a
 * link already in the target) is refused with a ValidationError. Members are streamed to disk one at a time. Resolves with the target path.
 */
export async function extractZip(archive: string, target?: string): Promise<string> {
  const out = target ?? extractionTarget(archive, 'zip');
  const root = resolve(out);
  // decodeStrings: false so names are checked here (yauzl's own check throws a plain Error).
  const zip = await yauzl.openPromise(archive, { decodeStrings: false, autoClose: false, lazyEntries: true });
  try {
    const members: Array<{ entry: yauzl.Entry; dest: string; dir: boolean }> = [];
    const tree = new ArchiveMembers(root, 'zip', archive);
    for await (const entry of zip.eachEntry()) {
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      members.push({ entry, dest: tree.destination({ name }), dir: name.endsWith('/') });
    }
    await mkdir(root, { recursive: true });
    for (const m of members) {
      // The links already on disk were followed when the member was checked.
      await mkdir(m.dir ? m.dest : dirname(m.dest), { recursive: true });
      if (m.dir) continue;
      // Replace a link where the member goes rather than write through it.
      if ((await lstat(m.dest).catch(() => undefined))?.isSymbolicLink()) await unlink(m.dest);
      const stream = await zip.openReadStreamPromise(m.entry);
      await pipeline(stream, createWriteStream(m.dest));
    }
  } finally {
    zip.close();
  }
  return out;
}

namespace Private {
  /** Add `dir`'s files under `prefix`, in name order so archives of equal trees list equally. */
  export async function walk(dir: string, prefix: string, zip: yazl.ZipFile): Promise<void> {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (entries.length === 0) {
      zip.addEmptyDirectory(`${prefix}/`);
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      const name = `${prefix}/${e.name}`;
      if (e.isDirectory()) await walk(path, name, zip);
      else if (e.isFile()) zip.addFile(path, name);
      else if (e.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        if (target?.isFile()) zip.addFile(path, name);
      }
    }
  }
}
