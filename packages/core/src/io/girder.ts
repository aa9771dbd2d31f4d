import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { IoError } from '../errors';
import type { IBinding, IPortSpec } from '../spec';
import { contain } from './contain';
import { fileContent, readAs } from './files';
import type { IIoMode } from './registry';

/** A Girder resource an input binding may name (`resource_type`). */
export type GirderResourceType = 'file' | 'item' | 'folder';

/**
 * `girder`: data in a Girder server, through its REST API, as Girder Worker's girder mode.
 *
 * Where: `api_url` (`http://host:8080/api/v1`), or `host` with `port`, `scheme` and `api_root`.
 * Who: `token` (a Girder token) or `api_key` (exchanged for a token on first use).
 *
 * Inputs name a resource by `id` and `resource_type` (`file` by default, `item` or `folder`). A
 * file comes into the job's folder under the binding's `name` (or the file's own); an item with one
 * file comes as that file, one with several as a folder of them; a folder comes as a folder tree.
 * A `filepath` port gets the path; any other port the file's content in the binding's format.
 *
 * Outputs go to `parent_id`, a folder (`parent_type: "folder"`, the default: a new item named after
 * the binding's `name`, or the file's, holding the file) or an item (the file added to it), and
 * come back with the new file's `file_id` and `item_id`. With `as_metadata: true` the output (an
 * object) is set as metadata on the parent instead of uploaded. A `reference` is passed to Girder
 * with the upload.
 */
export const girderMode: IIoMode = {
  name: 'girder',
  async fetch(binding, port, { job, formats }) {
    const api = await Private.client(binding, port, job.signal);
    const id = Private.text(binding, 'id', port);
    const type = Private.resourceType(binding, port);
    let path: string;
    if (type === 'file') {
      const file = await api.json<IGirderFile>('GET', `file/${id}`);
      path = Private.dest(job.tempdir, binding, port, file.name);
      await api.download(file._id, path);
    } else if (type === 'item') {
      const item = await api.json<IGirderModel>('GET', `item/${id}`);
      path = Private.dest(job.tempdir, binding, port, item.name);
      await api.downloadItem(item, path);
    } else {
      const folder = await api.json<IGirderModel>('GET', `folder/${id}`);
      path = Private.dest(job.tempdir, binding, port, folder.name);
      await api.downloadFolder(folder._id, path);
    }
    if (port.target === 'filepath') return { file: path };
    if ((await stat(path)).isDirectory()) {
      throw new IoError(
        `Girder ${type} ${id} for input "${port.id}" came as a folder, and port "${port.id}" wants ${port.type}/${port.format} in memory; give the port target "filepath"`,
        { port: port.id, id, resource_type: type },
      );
    }
    return { data: await readAs(formats, port.type, binding.format ?? port.format, path) };
  },
  async push(binding, port, data, { job }) {
    const api = await Private.client(binding, port, job.signal);
    const parentId = Private.text(binding, 'parent_id', port);
    const parentType = binding.parent_type ?? 'folder';
    if (parentType !== 'folder' && parentType !== 'item') {
      throw new IoError(
        `A girder output binding's "parent_type" for port "${port.id}" must be "folder" or "item", got ${JSON.stringify(parentType)}`,
        {
          port: port.id,
        },
      );
    }
    const { data: _omit, ...rest } = binding;
    if (binding.as_metadata) {
      if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        throw new IoError(`Output "${port.id}" is set as Girder metadata, so it must be an object, got ${Private.describe(data)}`, {
          port: port.id,
        });
      }
      await api.json('PUT', `${parentType}/${parentId}/metadata`, {}, JSON.stringify(data));
      return { ...rest, mode: 'girder' };
    }
    const fromFile = port.target === 'filepath' && typeof data === 'string';
    const bytes = fromFile ? await readFile(data) : Buffer.from(fileContent(data));
    const name =
      typeof binding.name === 'string' && binding.name !== '' ? binding.name : fromFile ? basename(data) : (port.filename ?? port.id);
    const itemId = parentType === 'item' ? parentId : (await api.json<IGirderModel>('POST', 'item', { folderId: parentId, name }))._id;
    const file = await api.upload(itemId, name, bytes, typeof binding.reference === 'string' ? binding.reference : undefined);
    return { ...rest, mode: 'girder', item_id: itemId, file_id: file._id };
  },
};

/** What Girder answers for a folder, item or file. */
export interface IGirderModel {
  _id: string;
  name: string;
  _modelType?: string;
}

/** A Girder file. */
export interface IGirderFile extends IGirderModel {
  size: number;
  itemId: string;
}

/**
 * Girder's REST API through fetch: JSON calls, downloads of files, items and folders to disk (as
 * girder_client lays them out), uploads of bytes. Failures are IoErrors saying what was asked and
 * what Girder answered.
 */
export class GirderClient {
  /** The token sent as `Girder-Token`. */
  token: string | undefined;
  readonly url: string;
  private readonly signal: AbortSignal | undefined;
  private readonly port: string | undefined;

  constructor(options: GirderClient.IOptions) {
    this.url = options.apiUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.signal = options.signal;
    this.port = options.port;
  }

  /** A client signed in with a token, or with an API key exchanged for one. */
  static async signIn(options: GirderClient.IOptions & { apiKey?: string }): Promise<GirderClient> {
    const api = new GirderClient(options);
    if (api.token === undefined && options.apiKey !== undefined) {
      const r = await api.json<{ authToken: { token: string } }>('POST', 'api_key/token', { key: options.apiKey, duration: 1 });
      api.token = r.authToken.token;
    }
    return api;
  }

  /** Send a request; a non-2xx answer is an IoError with Girder's message. */
  async request(
    method: string,
    path: string,
    params: Record<string, string | number> = {},
    body?: RequestInit['body'],
    type?: string,
  ): Promise<Response> {
    const url = new URL(`${this.url}/${path}`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {};
    if (this.token) headers['Girder-Token'] = this.token;
    if (type) headers['Content-Type'] = type;
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal: this.signal });
    } catch (err) {
      if (this.signal?.aborted) throw this.signal.reason;
      throw new IoError(
        `Girder at ${this.url} did not answer ${method} ${path}${this.forPort}: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}`,
        { port: this.port, url: url.toString() },
        { cause: err },
      );
    }
    if (!response.ok) {
      const answer = await response.text();
      let message = answer;
      try {
        message = (JSON.parse(answer) as { message?: string }).message ?? answer;
      } catch {
        // Not JSON: the text as it came.
      }
      throw new IoError(
        `Girder at ${this.url} refused ${method} ${path}${this.forPort}: expected a 2xx answer, got ${response.status}: ${message}`,
        { port: this.port, url: url.toString(), status: response.status },
      );
    }
    return response;
  }

  /** A JSON call. */
  async json<T>(method: string, path: string, params: Record<string, string | number> = {}, body?: string): Promise<T> {
    const r = await this.request(method, path, params, body, body === undefined ? undefined : 'application/json');
    return (await r.json()) as T;
  }

  /** Download a file's bytes to `dest`. */
  async download(fileId: string, dest: string): Promise<void> {
    const r = await this.request('GET', `file/${fileId}/download`);
    await writeFile(dest, Buffer.from(await r.arrayBuffer()));
  }

  /** Every page of a listing (Girder pages by `limit` and `offset`; `limit=0` is all). */
  list<T>(path: string, params: Record<string, string>): Promise<T[]> {
    return this.json<T[]>('GET', path, { ...params, limit: 0 });
  }

  /** An item as girder_client downloads it: its only file at `dest`, or its files in a folder `dest`. */
  async downloadItem(item: IGirderModel, dest: string): Promise<void> {
    const files = await this.list<IGirderFile>(`item/${item._id}/files`, {});
    if (files.length === 1) return this.download(files[0]._id, dest);
    await mkdir(dest, { recursive: true });
    for (const f of files) await this.download(f._id, contain(dest, f.name, { what: 'Girder file name', context: { port: this.port } }));
  }

  /** A folder with its items and subfolders, at `dest`. */
  async downloadFolder(folderId: string, dest: string): Promise<void> {
    await mkdir(dest, { recursive: true });
    const inside = (name: string) => contain(dest, name, { what: 'Girder resource name', context: { port: this.port } });
    for (const item of await this.list<IGirderModel>('item', { folderId })) await this.downloadItem(item, inside(item.name));
    for (const sub of await this.list<IGirderModel>('folder', { parentType: 'folder', parentId: folderId })) {
      await this.downloadFolder(sub._id, inside(sub.name));
    }
  }

  /** Upload a file on disk as a new file of an item, under its own name. */
  async uploadFile(itemId: string, path: string): Promise<IGirderModel> {
    return this.upload(itemId, basename(path), await readFile(path));
  }

  /** Upload bytes as a new file of an item. */
  async upload(itemId: string, name: string, bytes: Buffer, reference?: string): Promise<IGirderModel> {
    const params: Record<string, string | number> = { parentType: 'item', parentId: itemId, name, size: bytes.length };
    if (reference !== undefined) params.reference = reference;
    const started = await this.json<IGirderModel>('POST', 'file', params);
    // An empty file is made at once; any other is an upload the bytes complete.
    if (started._modelType === 'file' || bytes.length === 0) return started;
    // A Buffer from readFile or Buffer.from sits on a plain ArrayBuffer, never a shared one.
    const body = new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
    const r = await this.request('POST', 'file/chunk', { uploadId: started._id, offset: 0 }, body, 'application/octet-stream');
    return (await r.json()) as IGirderModel;
  }

  private get forPort(): string {
    return this.port === undefined ? '' : ` for port "${this.port}"`;
  }
}

/** GirderClient's options. */
export namespace GirderClient {
  export interface IOptions {
    /** `http://host:8080/api/v1` */
    apiUrl: string;
    token?: string;
    /** Stops every request. */
    signal?: AbortSignal;
    /** The port the calls are for, named in errors. */
    port?: string;
  }
}

namespace Private {
  /** A binding's string field, or an IoError naming it. */
  export function text(binding: IBinding, key: string, port: IPortSpec): string {
    const v = binding[key];
    if (typeof v !== 'string' || v === '') {
      throw new IoError(`A girder binding for port "${port.id}" needs a "${key}" string, got ${JSON.stringify(v)}`, { port: port.id });
    }
    return v;
  }

  /** The input's `resource_type`, `file` by default. */
  export function resourceType(binding: IBinding, port: IPortSpec): GirderResourceType {
    const t = typeof binding.resource_type === 'string' ? binding.resource_type.toLowerCase() : (binding.resource_type ?? 'file');
    if (t !== 'file' && t !== 'item' && t !== 'folder') {
      throw new IoError(
        `A girder binding's "resource_type" for port "${port.id}" must be "file", "item" or "folder", got ${JSON.stringify(t)}`,
        {
          port: port.id,
        },
      );
    }
    return t;
  }

  /** Where a fetched resource goes: the binding's `name`, else Girder's, inside the job's folder. */
  export function dest(tempdir: string, binding: IBinding, port: IPortSpec, girderName: string): string {
    const given = typeof binding.name === 'string' && binding.name !== '';
    return contain(tempdir, given ? (binding.name as string) : girderName, {
      what: given ? 'binding name' : 'Girder resource name',
      context: { port: port.id },
    });
  }

  export function describe(v: unknown): string {
    return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v;
  }

  /** The api url a binding names: `api_url`, or `scheme://host:port` plus `api_root`. */
  export function apiUrl(binding: IBinding, port: IPortSpec): string {
    if (typeof binding.api_url === 'string' && binding.api_url !== '') return binding.api_url.replace(/\/+$/, '');
    if (typeof binding.host === 'string' && binding.host !== '') {
      const scheme = typeof binding.scheme === 'string' ? binding.scheme : 'http';
      const portNumber = binding.port ?? (scheme === 'https' ? 443 : 80);
      const root = typeof binding.api_root === 'string' ? binding.api_root : '/api/v1';
      return `${scheme}://${binding.host}:${String(portNumber)}/${root.replace(/^\/+|\/+$/g, '')}`;
    }
    throw new IoError(`A girder binding for port "${port.id}" needs an "api_url" (or a "host"), got neither`, { port: port.id });
  }

  /** A client for the binding's server, signed in with its token or API key. */
  export function client(binding: IBinding, port: IPortSpec, signal: AbortSignal): Promise<GirderClient> {
    const nonEmpty = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    return GirderClient.signIn({
      apiUrl: apiUrl(binding, port),
      token: nonEmpty(binding.token),
      apiKey: nonEmpty(binding.api_key),
      signal,
      port: port.id,
    });
  }
}
