import { createReadStream } from 'node:fs';
import { link, readFile, copyFile, rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { IoError } from '../errors';
import type { IBinding } from '../spec';
import { contain } from './contain';
import { fileContent, isBinaryFormat } from './files';
import { httpRequest } from './http-request';
import type { IIoMode } from './registry';

/** The binding's URL with its `params` added to the query string. */
export function bindingUrl(binding: IBinding, portId: string): string {
  if (typeof binding.url !== 'string') {
    throw new IoError(`An http binding for port "${portId}" needs a "url" string, got ${JSON.stringify(binding.url)}`, { port: portId });
  }
  const url = new URL(binding.url);
  for (const [k, v] of Object.entries(binding.params ?? {})) url.searchParams.append(k, String(v));
  return url.toString();
}

/**
 * `http`: inputs are downloaded through the fetch cache (streamed to disk, never held whole in
 * memory for `filepath` ports, `maxSize` enforced); outputs are sent with the binding's method
 * (POST by default), headers and query params, and come back without their data.
 */
export const httpMode: IIoMode = {
  name: 'http',
  async fetch(binding, port, { job, fetchCache, formats }) {
    const url = bindingUrl(binding, port.id);
    const entry = await fetchCache.fetch(url, {
      method: binding.method ?? 'GET',
      headers: binding.headers ?? {},
      maxSize: binding.maxSize,
      signal: job.signal,
      cache: binding.cache !== false,
      port: port.id,
      idleTimeout: Private.idleTimeout(binding, port.id),
    });
    if (port.target === 'filepath') {
      // The name comes from the spec or from the server: either way it stays in the job's folder.
      let dest: string;
      try {
        dest =
          port.filename !== undefined
            ? contain(job.tempdir, port.filename, { what: 'port filename', context: { port: port.id } })
            : contain(job.tempdir, entry.filename, { what: 'server-sent file name', context: { port: port.id, url } });
      } catch (err) {
        if (entry.transient) await rm(entry.path, { force: true });
        throw err;
      }
      // A download that bypassed the cache moves into the job's directory (and goes with it); a
      // cached one is hard-linked, sharing its bytes. Across devices both fall back to a copy.
      if (entry.transient) await rename(entry.path, dest).catch(() => Private.moveByCopy(entry.path, dest));
      else await link(entry.path, dest).catch(() => copyFile(entry.path, dest));
      return { file: dest };
    }
    const format = binding.format ?? port.format;
    try {
      return { data: isBinaryFormat(formats, port.type, format) ? await readFile(entry.path) : await readFile(entry.path, 'utf8') };
    } finally {
      if (entry.transient) await rm(entry.path, { force: true });
    }
  },
  async push(binding, port, data, { job }) {
    const url = bindingUrl(binding, port.id);
    const method = (binding.method ?? 'POST').toUpperCase();
    let body: RequestInit['body'];
    const headers: Record<string, string> = { ...(binding.headers ?? {}) };
    if (port.target === 'filepath' && typeof data === 'string') {
      const size = (await stat(data)).size;
      headers['content-length'] ??= String(size);
      body = Readable.toWeb(createReadStream(data)) as unknown as RequestInit['body'];
    } else {
      body = fileContent(data) as RequestInit['body'];
    }
    const answer = await httpRequest(url, {
      method,
      headers,
      body,
      signal: job.signal,
      idleTimeout: Private.idleTimeout(binding, port.id),
      context: { port: port.id },
    });
    const res = answer.response;
    await res.arrayBuffer().catch(() => undefined);
    answer.done();
    if (!res.ok) {
      throw new IoError(`${method} ${url} for output "${port.id}" answered ${res.status} ${res.statusText}`, {
        port: port.id,
        url,
        status: res.status,
      });
    }
    const { data: _omit, ...rest } = binding;
    return { ...rest, mode: 'http' };
  },
};

namespace Private {
  /** The binding's `idleTimeout` (milliseconds, 0 for none), or undefined for the fetch cache's default. */
  export function idleTimeout(binding: IBinding, portId: string): number | undefined {
    const v = binding.idleTimeout;
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new IoError(
        `An http binding's "idleTimeout" for port "${portId}" must be a number of milliseconds >= 0, got ${JSON.stringify(v)}`,
        {
          port: portId,
        },
      );
    }
    return v;
  }

  /** Move a file by copying it and removing the original (a rename across devices). */
  export async function moveByCopy(from: string, to: string): Promise<void> {
    try {
      await copyFile(from, to);
    } finally {
      await rm(from, { force: true });
    }
  }
}
