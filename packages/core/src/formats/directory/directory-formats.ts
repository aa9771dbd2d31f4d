import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { TaskcellError, ValidationError } from '../../errors';
import type { IDisposable } from '../../events';
import type { FormatRegistry } from '../registry';
import { extractTgz, tgzDirectory } from './tgz-archive';
import { extractZip, zipDirectory } from './zip-archive';

/**
 * The `directory` type: every format is a path string. `path` names an existing directory; `zip`
 * and `tgz` name existing archive files (checked by their first bytes). Conversions work on disk
 * as Girder Worker's do: `path -> zip|tgz` writes `<dir>.zip|.tgz` beside the directory, and
 * `zip|tgz -> path` extracts beside the archive into its path without the last extension
 * (`x.tar.gz` -> `x.tar/`, SCHEMA.md trap 5). Members that would escape the target directory are
 * refused with a ValidationError.
 */
export function registerDirectoryFormats(registry: FormatRegistry): IDisposable[] {
  const type = 'directory';
  const d: IDisposable[] = [];
  d.push(registry.registerType({ name: type, nativeFormat: 'path', description: 'A directory of files' }));
  d.push(
    registry.registerFormat({ type, format: 'path', validate: Private.checkDirectory, description: 'The path of an existing directory' }),
  );
  d.push(
    registry.registerFormat({
      type,
      format: 'tgz',
      validate: (v) => Private.checkArchive(v, 'tgz'),
      extensions: ['tgz', 'tar.gz'],
      description: 'The path of a tar archive, gzip-compressed or not',
    }),
  );
  d.push(
    registry.registerFormat({
      type,
      format: 'zip',
      validate: (v) => Private.checkArchive(v, 'zip'),
      extensions: ['zip'],
      description: 'The path of a zip archive',
    }),
  );
  // Girder Worker's converter file order: path_to_tgz, path_to_zip, tgz_to_path, zip_to_path.
  d.push(registry.registerConverter({ type, from: 'path', to: 'tgz', name: 'path to tgz', convert: (v) => tgzDirectory(v as string) }));
  d.push(registry.registerConverter({ type, from: 'path', to: 'zip', name: 'path to zip', convert: (v) => zipDirectory(v as string) }));
  d.push(
    registry.registerConverter({
      type,
      from: 'tgz',
      to: 'path',
      name: 'tgz to path',
      convert: (v) => Private.readable(extractTgz(v as string), 'tgz', v),
    }),
  );
  d.push(
    registry.registerConverter({
      type,
      from: 'zip',
      to: 'path',
      name: 'zip to path',
      convert: (v) => Private.readable(extractZip(v as string), 'zip', v),
    }),
  );
  return d;
}

namespace Private {
  /** An archive that cannot be read (corrupt, truncated) fails with a ValidationError saying so. */
  export function readable(extracting: Promise<string>, format: 'zip' | 'tgz', archive: unknown): Promise<string> {
    return extracting.catch((err: unknown) => {
      if (err instanceof TaskcellError) throw err;
      throw new ValidationError(
        `Invalid ${format} archive ${JSON.stringify(archive)} (type "directory"): expected a readable ${format} archive, got one its reader refuses: ${(err as Error)?.message ?? String(err)}`,
        { type: 'directory', format },
        { cause: err },
      );
    });
  }

  /** `path`: the path of an existing directory. */
  export function checkDirectory(value: unknown): true | string {
    if (typeof value !== 'string' || value === '') return `expected the path of an existing directory, got ${kind(value)}`;
    const st = statSync(value, { throwIfNoEntry: false });
    if (!st) return `expected the path of an existing directory, got ${JSON.stringify(value)}, which does not exist`;
    return st.isDirectory() || `expected the path of an existing directory, got ${JSON.stringify(value)}, which is not a directory`;
  }

  /** An existing regular file whose first bytes are a zip header, or a gzip header or ustar tar header for tgz. */
  export function checkArchive(value: unknown, format: 'zip' | 'tgz'): true | string {
    const what = format === 'zip' ? 'a zip archive' : 'a tar archive (.tgz, .tar.gz or .tar)';
    if (typeof value !== 'string' || value === '') return `expected the path of ${what}, got ${kind(value)}`;
    const st = statSync(value, { throwIfNoEntry: false });
    if (!st) return `expected the path of ${what}, got ${JSON.stringify(value)}, which does not exist`;
    if (!st.isFile()) return `expected the path of ${what}, got ${JSON.stringify(value)}, which is not a regular file`;
    const head = readHead(value, 262);
    const ok =
      format === 'zip'
        ? head[0] === 0x50 && head[1] === 0x4b && [0x0304, 0x0506, 0x0708].includes((head[2] << 8) | head[3])
        : (head[0] === 0x1f && head[1] === 0x8b) || head.subarray(257, 262).toString('latin1') === 'ustar';
    if (ok) return format === 'tgz' || endOfCentralDirectory(value, st.size);
    const hex = [...head.subarray(0, 4)].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ') || 'nothing (empty file)';
    const expected = format === 'zip' ? 'a zip header (50 4B 03 04)' : 'a gzip header (1F 8B) or a ustar tar header';
    return `expected ${JSON.stringify(value)} to be ${what} starting with ${expected}, got ${hex}`;
  }

  /**
   * A zip's header alone proves little (`PK\x03\x04` and garbage): a readable zip ends with an
   * end-of-central-directory record (`PK\x05\x06`, within the last 64 KiB + 22 bytes) whose
   * central directory lies inside the file.
   */
  function endOfCentralDirectory(path: string, size: number): true | string {
    const tailSize = Math.min(size, 0xffff + 22);
    const tail = readAt(path, tailSize, size - tailSize);
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) !== 0x06054b50) continue;
      const cdSize = tail.readUInt32LE(i + 12);
      const cdOffset = tail.readUInt32LE(i + 16);
      // Zip64 archives keep 0xFFFFFFFF here and the real values in their own record.
      if (cdOffset === 0xffffffff || cdOffset + cdSize <= size - tailSize + i) return true;
    }
    return `expected ${JSON.stringify(path)} to be a zip archive ending with an end-of-central-directory record (50 4B 05 06), got a zip header followed by ${size} bytes without one`;
  }

  /** Up to `count` bytes from the start of a file. */
  function readHead(path: string, count: number): Buffer {
    return readAt(path, count, 0);
  }

  /** Up to `count` bytes of a file from `position`. */
  function readAt(path: string, count: number, position: number): Buffer {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(count);
      const n = readSync(fd, buf, 0, count, position);
      return buf.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  }

  /** What a non-path value is, for messages. */
  function kind(v: unknown): string {
    if (v === null || v === undefined) return String(v);
    if (typeof v === 'string') return 'an empty string';
    return Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
  }
}
