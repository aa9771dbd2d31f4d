import { randomBytes } from 'node:crypto';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { ConversionError, ValidationError } from '../../errors';

/**
 * Python's `os.path.splitext`: the path without its last extension, and the extension. Leading
 * dots of the file name do not start an extension (`.bashrc` has none), and only the last dot
 * counts, so `x.tar.gz` gives `x.tar` (the name Girder Worker extracts a tgz archive into).
 */
export function splitext(path: string): [string, string] {
  const sepIndex = Math.max(path.lastIndexOf('/'), sep === '\\' ? path.lastIndexOf('\\') : -1);
  const dotIndex = path.lastIndexOf('.');
  if (dotIndex > sepIndex) {
    for (let i = sepIndex + 1; i < dotIndex; i++) {
      if (path[i] !== '.') return [path.slice(0, dotIndex), path.slice(dotIndex)];
    }
  }
  return [path, ''];
}

/** A directory path without trailing separators (`data/dir/` -> `data/dir`), so `<dir>.zip` lands beside it. */
export function trimSeparators(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  return trimmed === '' ? path : trimmed;
}

/**
 * Where Girder Worker extracts an archive: beside it, into the archive's path without its last
 * extension (`data/x.zip` -> `data/x`, `data/x.tar.gz` -> `data/x.tar`). An archive without an
 * extension has no such place, which is a ConversionError.
 */
export function extractionTarget(archive: string, format: string): string {
  const [target, ext] = splitext(archive);
  if (ext === '') {
    throw new ConversionError(
      `Cannot extract directory/${format} archive ${JSON.stringify(archive)}: it is extracted beside itself into its path without the extension, and it has no extension`,
      { type: 'directory', format, to: 'path', path: archive },
    );
  }
  return target;
}

/** What an archive member is, for the escape checks. */
export interface IArchiveMember {
  /** The member's name in the archive, `/`-separated. */
  name: string;
  /** A symbolic link's target, as stored. */
  symlink?: string;
  /** A hard link's target: another member's name. */
  hardlink?: string;
}

/**
 * The absolute path an archive member is extracted to under `root`. A member whose name is
 * absolute or climbs out of `root` (`../x`, `a/../../x`), or a link that points outside `root`, is
 * refused with a ValidationError naming the archive, the member and the target directory.
 */
export function memberDestination(root: string, member: IArchiveMember, format: string, archive: string): string {
  const base = resolve(root);
  const refuse = (why: string): never => {
    throw new ValidationError(
      `Archive member ${JSON.stringify(member.name)} of directory/${format} archive ${JSON.stringify(archive)} ${why}; expected every member to stay inside the target directory ${JSON.stringify(base)}`,
      { type: 'directory', format, path: archive, member: member.name, target: base },
    );
  };
  const inside = (p: string) => p === base || p.startsWith(base.endsWith(sep) ? base : base + sep);
  const name = member.name.replace(/\\/g, '/');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || isAbsolute(name)) refuse('has an absolute path');
  const dest = resolve(base, name);
  if (!inside(dest)) refuse('would be written outside the target directory');
  if (member.symlink !== undefined) {
    const link = member.symlink.replace(/\\/g, '/');
    if (link.startsWith('/') || /^[A-Za-z]:/.test(link) || !inside(resolve(dirname(dest), link))) {
      refuse(`is a symbolic link to ${JSON.stringify(member.symlink)}, outside the target directory`);
    }
  }
  if (member.hardlink !== undefined) {
    const link = member.hardlink.replace(/\\/g, '/');
    if (link.startsWith('/') || /^[A-Za-z]:/.test(link) || !inside(resolve(base, link))) {
      refuse(`is a hard link to ${JSON.stringify(member.hardlink)}, outside the target directory`);
    }
  }
  return dest;
}

/** A temporary name beside `output` to write an archive under before renaming it into place, so no reader sees half an archive. */
export function partialPath(output: string): string {
  return `${output}.${process.pid}-${randomBytes(4).toString('hex')}.part`;
}
