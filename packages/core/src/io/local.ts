import { copyFile, stat, writeFile } from 'node:fs/promises';
import { IoError } from '../errors';
import type { IBinding } from '../spec';
import { fileContent, readAs } from './files';
import type { IIoMode } from './registry';

function pathOf(binding: IBinding, port: { id: string }): string {
  if (typeof binding.path !== 'string' || binding.path === '') {
    throw new IoError(`A local binding for port "${port.id}" needs a "path" string, got ${JSON.stringify(binding.path)}`, {
      port: port.id,
    });
  }
  return binding.path;
}

/**
 * `local`: a file on this machine. A `filepath` port gets the path itself (no copy); a memory port
 * gets the file's content, as bytes for binary formats and text otherwise. A file over the binding's
 * `maxSize` is refused, as an http download would be. Pushing writes the output there (a `filepath`
 * output is copied).
 */
export const localMode: IIoMode = {
  name: 'local',
  async fetch(binding, port, { formats }) {
    const path = pathOf(binding, port);
    await Private.checkSize(binding, port, path);
    if (port.target === 'filepath') return { file: path };
    try {
      return { data: await readAs(formats, port.type, binding.format ?? port.format, path) };
    } catch (err) {
      throw new IoError(`Cannot read input "${port.id}" from ${path}: ${(err as Error).message}`, { port: port.id, path }, { cause: err });
    }
  },
  async push(binding, port, data) {
    const path = pathOf(binding, port);
    try {
      if (port.target === 'filepath' && typeof data === 'string') await copyFile(data, path);
      else await writeFile(path, fileContent(data));
    } catch (err) {
      throw new IoError(`Cannot write output "${port.id}" to ${path}: ${(err as Error).message}`, { port: port.id, path }, { cause: err });
    }
    const { data: _omit, ...rest } = binding;
    return { ...rest, mode: 'local', path };
  },
};

namespace Private {
  /** Refuse a file larger than the binding's `maxSize` before it is read. */
  export async function checkSize(binding: IBinding, port: { id: string }, path: string): Promise<void> {
    if (binding.maxSize === undefined) return;
    const size = await stat(path).then(
      (st) => st.size,
      (err: unknown) => {
        throw new IoError(
          `Cannot read input "${port.id}" from ${path}: ${(err as Error).message}`,
          { port: port.id, path },
          { cause: err },
        );
      },
    );
    if (size > binding.maxSize) {
      throw new IoError(`${path} is ${size} bytes, over the binding's maxSize of ${binding.maxSize}`, {
        port: port.id,
        path,
        size,
        maxSize: binding.maxSize,
      });
    }
  }
}
