import { constants } from 'node:buffer';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { OptionError, getRunner, stringifyJson, tooLargeForMemory } from '@taskcell/core';

/** How a format's data is read from a file and written to stdout. */
export type DataKind = 'binary' | 'text' | 'path' | 'value';

/** Binary formats are bytes, text formats strings, `directory` formats paths, the rest in-memory values written as JSON. */
export function dataKind(type: string, format: string): DataKind {
  const def = getRunner().formats.format(type, format);
  if (def.binary) return 'binary';
  if (def.text) return 'text';
  if (type === 'directory') return 'path';
  return 'value';
}

/** Read FILE (or stdin for `-` or nothing) as the format wants it. */
export async function readInput(file: string | undefined, type: string, format: string, to = format): Promise<unknown> {
  const kind = dataKind(type, format);
  // Text and JSON are read as one string, which has a length limit: a larger file fails here, typed.
  const size = kind === 'text' || kind === 'value' ? (file === undefined || file === '-' ? 0 : (await stat(file)).size) : 0;
  if (size > constants.MAX_STRING_LENGTH) {
    throw tooLargeForMemory(
      type,
      format,
      to,
      `${file} is ${size} bytes, more than the ${constants.MAX_STRING_LENGTH} characters one string can hold`,
    );
  }
  if (kind === 'path') {
    if (file === undefined || file === '-')
      throw new OptionError(`A ${type}/${format} input is a path: name it instead of piping it`, { type, format });
    return resolve(file);
  }
  const bytes = file === undefined || file === '-' ? await readStdin() : await readFile(file);
  if (kind === 'binary') return bytes;
  const text = bytes.toString('utf8');
  if (kind === 'text') return text;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new OptionError(`${type}/${format} is an in-memory format, so its input must be JSON: ${(err as Error).message}`, {
      type,
      format,
    });
  }
}

/** Write converted data: bytes and text as they are, in-memory values as JSON (bytes inside them as base64). */
export function writeOutput(value: unknown): void {
  if (value instanceof Uint8Array) process.stdout.write(value);
  else if (typeof value === 'string') process.stdout.write(value);
  else process.stdout.write(`${stringifyJson(value, jsonBytes, 2)}\n`);
}

/** A JSON replacer that writes byte arrays as `{encoding: "base64", bytes}`. */
export function jsonBytes(this: unknown, key: string, v: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array)
    return { encoding: 'base64', bytes: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
  return v;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
