import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import * as tar from 'tar';
import type { ValidationError } from '../../errors';
import { ArchiveMembers, extractionTarget, partialPath, trimSeparators } from './archive-paths';

/**
 * Archive a directory the way Girder Worker's `path_to_tgz` does (`tarfile.add(dir,
 * arcname=basename(dir))`): into `<dir>.tgz` beside it (or `output`), gzip-compressed, every member
 * under the directory's name, links stored as links. Streamed to disk. Resolves with the archive's path.
 */
export async function tgzDirectory(dir: string, output?: string): Promise<string> {
  const source = trimSeparators(dir);
  const out = output ?? `${source}.tgz`;
  const part = partialPath(out);
  try {
    await tar.c({ gzip: true, file: part, cwd: dirname(resolve(source)), strict: true }, [basename(resolve(source))]);
    await rename(part, out);
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
  return out;
}

/**
 * Extract a tar archive (gzip-compressed or not) the way Girder Worker's `tgz_to_path` does: into
 * the archive's path without its last extension, so `x.tar.gz` goes into `x.tar/` (SCHEMA.md trap
 * 5), or into `target`. The archive is read twice, streaming: first every member is checked against
 * the target as a whole, links the archive makes included (`ArchiveMembers`), and one that would
 * land outside it (`../x`, an absolute path, a link or a chain of links pointing out, a hard link
 * out) is refused with a ValidationError before anything is written; then it is extracted. Owners are not restored.
 * Resolves with the target path.
 */
export async function extractTgz(archive: string, target?: string): Promise<string> {
  const out = target ?? extractionTarget(archive, 'tgz');
  const root = resolve(out);
  let refused: ValidationError | undefined;
  const members = new ArchiveMembers(root, 'tgz', archive);
  await tar.t({
    file: archive,
    strict: true,
    onReadEntry: (entry) => {
      if (refused) return;
      try {
        members.destination({
          name: entry.path,
          symlink: entry.type === 'SymbolicLink' ? (entry.linkpath ?? '') : undefined,
          hardlink: entry.type === 'Link' ? (entry.linkpath ?? '') : undefined,
        });
      } catch (err) {
        refused = err as ValidationError;
      }
    },
  });
  if (refused) throw refused;
  await mkdir(root, { recursive: true });
  await tar.x({ file: archive, cwd: root, strict: true, preserveOwner: false });
  return out;
}
