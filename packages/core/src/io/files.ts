import { readFile, writeFile } from 'node:fs/promises';
import type { FormatRegistry } from '../formats/registry';
import type { IPortSpec } from '../spec';
import { contain } from './contain';

/** True when the port's format holds bytes (png, zip, bson...) rather than text. */
export function isBinaryFormat(formats: FormatRegistry, type: string, format: string): boolean {
  return formats.hasFormat(type, format) && formats.format(type, format).binary === true;
}

/** Read a file as the port's format wants it: a Buffer for binary formats, a string otherwise. */
export async function readAs(formats: FormatRegistry, type: string, format: string, path: string): Promise<unknown> {
  return isBinaryFormat(formats, type, format) ? readFile(path) : readFile(path, 'utf8');
}

/** The bytes or text a value is written to a file as: strings and bytes as they are, other values as JSON. */
export function fileContent(data: unknown): string | Uint8Array {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  return JSON.stringify(data);
}

/**
 * Write a value into the job's temp dir under the port's filename (or its id), returning the path.
 * A name that would leave the temp dir (`../../x`, through a link) is a ContainmentError.
 */
export async function writeToTemp(tempdir: string, port: IPortSpec, data: unknown): Promise<string> {
  const path = contain(tempdir, port.filename ?? port.id, { what: `filename of port "${port.id}"`, context: { port: port.id } });
  await writeFile(path, fileContent(data));
  return path;
}
