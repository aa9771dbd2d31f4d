import { randomBytes } from 'node:crypto';
import { resolve, sep } from 'node:path';
import { ConversionError, ValidationError } from '../../errors';
import { ContainmentError, ExtractionTree } from '../../io/contain';
import type { ITreeMember } from '../../io/contain';

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
export type IArchiveMember = ITreeMember;

/**
 * The members of one archive about to be extracted under `root`, checked one by one against the
 * extraction root as a whole (`ExtractionTree`): a member whose name is absolute or climbs out
 * (`../x`, `a/../../x`), a link (symbolic or hard) that resolves outside the root, counting the
 * links earlier members made, or a member written through such a link, is refused with a
 * ValidationError naming the archive, the member and the target directory.
 */
export class ArchiveMembers {
  private readonly tree: ExtractionTree;
  private readonly base: string;

  constructor(
    root: string,
    private readonly format: string,
    private readonly archive: string,
  ) {
    this.base = resolve(root);
    this.tree = new ExtractionTree(this.base, { what: `archive member of directory/${format} archive ${JSON.stringify(archive)}` });
  }

  /** The absolute path the member is extracted to. */
  destination(member: IArchiveMember): string {
    try {
      return this.tree.add(member);
    } catch (err) {
      if (!(err instanceof ContainmentError)) throw err;
      throw new ValidationError(
        `Archive member ${JSON.stringify(member.name)} of directory/${this.format} archive ${JSON.stringify(this.archive)} ${String(err.context.reason)}; expected every member to stay inside the target directory ${JSON.stringify(this.base)}`,
        { type: 'directory', format: this.format, path: this.archive, member: member.name, target: this.base },
        { cause: err },
      );
    }
  }
}

/** A temporary name beside `output` to write an archive under before renaming it into place, so no reader sees half an archive. */
export function partialPath(output: string): string {
  return `${output}.${process.pid}-${randomBytes(4).toString('hex')}.part`;
}
