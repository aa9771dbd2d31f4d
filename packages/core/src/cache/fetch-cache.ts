import { createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IoError } from '../errors';
import { filenameFromResponse } from '../io/bindings';
import { DEFAULT_IDLE_TIMEOUT, httpRequest } from '../io/http-request';

/** One cached download. */
export interface IFetchEntry {
  /** The cached file. */
  path: string;
  /** The name the server gave it (Content-Disposition) or the URL's last path segment. */
  filename: string;
  size: number;
  /** True when no body bytes were downloaded for this request. */
  hit: boolean;
  /**
   * True when the cache was bypassed (`cache: false`, or not a GET): the file is this request's
   * alone and is not in the cache, so the caller moves it or removes it when done.
   */
  transient?: boolean;
}

/** How to fetch. */
export interface IFetchRequest {
  method: string;
  headers: Record<string, string>;
  maxSize?: number;
  signal?: AbortSignal;
  /** False bypasses the cache for this request (the download is still streamed to disk). */
  cache?: boolean;
  /** The port, for error messages. */
  port?: string;
  /** Milliseconds the transfer may go without a byte (30 s by default; 0 turns it off). */
  idleTimeout?: number;
}

/** Counters, for tests and the panel. */
export interface IFetchStats {
  hits: number;
  misses: number;
  revalidated: number;
  bytesDownloaded: number;
  evictions: number;
}

interface IMeta {
  url: string;
  filename: string;
  size: number;
  etag?: string;
  lastModified?: string;
}

/**
 * A cache of http downloads on disk, so data every job uses (a challenge's ground truth) is
 * downloaded once. Entries are keyed by method, URL and headers; an entry with an ETag or
 * Last-Modified is revalidated with a conditional request (a 304 moves no body bytes), one without
 * is served as it is. The total size is bounded; the least recently used entries are evicted
 * (recency is the meta file's mtime, so it holds across processes).
 */
export class FetchCache {
  readonly dir: string;
  readonly maxBytes: number;
  /** Milliseconds a download may go without a byte when the request does not say (30 s by default). */
  readonly idleTimeout: number;
  readonly stats: IFetchStats = { hits: 0, misses: 0, revalidated: 0, bytesDownloaded: 0, evictions: 0 };
  private inflight = new Map<string, Promise<IFetchEntry>>();

  constructor(options: FetchCache.IOptions) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes ?? 2 * 1024 ** 3;
    this.idleTimeout = options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;
  }

  /** Download `url`, or serve it from the cache. Concurrent requests for one URL share one download. */
  fetch(url: string, req: IFetchRequest): Promise<IFetchEntry> {
    const cacheable = req.cache !== false && req.method.toUpperCase() === 'GET';
    const key = createHash('sha256')
      .update(`${req.method.toUpperCase()} ${url}\n${JSON.stringify(Object.entries(req.headers).sort())}`)
      .digest('hex');
    if (!cacheable) return this.download(url, req, join(this.dir, 'nocache', randomUUID()), undefined, true);
    const running = this.inflight.get(key);
    if (running) return running.then((e) => ({ ...e, hit: true }));
    const p = this.cached(key, url, req).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** Remove every entry. */
  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  private async cached(key: string, url: string, req: IFetchRequest): Promise<IFetchEntry> {
    const base = join(this.dir, key);
    const meta = await readFile(`${base}.json`, 'utf8')
      .then((t) => JSON.parse(t) as IMeta)
      .catch(() => undefined);
    const body = `${base}.body`;
    if (
      meta &&
      (await stat(body).then(
        () => true,
        () => false,
      ))
    ) {
      if (!meta.etag && !meta.lastModified) {
        this.stats.hits++;
        await this.touch(base);
        return { path: body, filename: meta.filename, size: meta.size, hit: true };
      }
      const headers: Record<string, string> = { ...req.headers };
      if (meta.etag) headers['if-none-match'] = meta.etag;
      if (meta.lastModified) headers['if-modified-since'] = meta.lastModified;
      return this.download(url, { ...req, headers }, base, meta);
    }
    return this.download(url, req, base, undefined);
  }

  private async download(url: string, req: IFetchRequest, base: string, meta: IMeta | undefined, transient = false): Promise<IFetchEntry> {
    const where = { port: req.port, url };
    const answer = await httpRequest(url, {
      method: req.method,
      headers: req.headers,
      signal: req.signal,
      idleTimeout: req.idleTimeout ?? this.idleTimeout,
      context: { port: req.port },
    });
    const res = answer.response;
    if (res.status === 304 && meta) {
      answer.done();
      await res.body?.cancel();
      this.stats.hits++;
      this.stats.revalidated++;
      await this.touch(base);
      return { path: `${base}.body`, filename: meta.filename, size: meta.size, hit: true };
    }
    if (!res.ok) {
      answer.done();
      await res.body?.cancel();
      throw new IoError(`${req.method} ${url} answered ${res.status} ${res.statusText}`, { ...where, status: res.status });
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (req.maxSize !== undefined && declared > req.maxSize) {
      answer.done();
      await res.body?.cancel();
      throw new IoError(`${url} is ${declared} bytes, over the binding's maxSize of ${req.maxSize}`, { ...where, size: declared });
    }
    this.stats.misses++;
    await mkdir(join(base, '..'), { recursive: true });
    const tmp = `${base}.${randomUUID()}.part`;
    let size = 0;
    const limit = req.maxSize;
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        answer.touch(chunk.length);
        size += chunk.length;
        this.stats.bytesDownloaded += chunk.length;
        if (limit !== undefined && size > limit) {
          cb(new IoError(`${url} is over the binding's maxSize of ${limit} bytes`, { ...where, size }));
        } else cb(null, chunk);
      },
    });
    try {
      const src = res.body ? Readable.fromWeb(res.body as import('node:stream/web').ReadableStream) : Readable.from([]);
      await pipeline(src, counter, createWriteStream(tmp), { signal: answer.signal });
    } catch (err) {
      await rm(tmp, { force: true });
      throw answer.failure(err, `Downloading ${url}`);
    } finally {
      answer.done();
    }
    const next: IMeta = { url, filename: filenameFromResponse(url, res.headers.get('content-disposition')), size };
    const etag = res.headers.get('etag');
    const lastModified = res.headers.get('last-modified');
    if (etag) next.etag = etag;
    if (lastModified) next.lastModified = lastModified;
    await rename(tmp, `${base}.body`);
    if (transient) return { path: `${base}.body`, filename: next.filename, size, hit: false, transient };
    await writeFile(`${base}.json`, JSON.stringify(next));
    await this.evict(`${base}.json`);
    return { path: `${base}.body`, filename: next.filename, size, hit: false };
  }

  private async touch(base: string): Promise<void> {
    const now = new Date();
    await utimes(`${base}.json`, now, now).catch(() => undefined);
  }

  /** Drop least recently used entries until the total fits; never the one just written. */
  private async evict(keep: string): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const entries: Array<{ base: string; size: number; used: number }> = [];
    let total = 0;
    for (const n of names) {
      if (!n.endsWith('.json')) continue;
      const base = join(this.dir, n.slice(0, -5));
      const [m, b] = await Promise.all([stat(`${base}.json`).catch(() => null), stat(`${base}.body`).catch(() => null)]);
      if (!m || !b) continue;
      total += b.size;
      entries.push({ base, size: b.size, used: m.mtimeMs });
    }
    if (total <= this.maxBytes) return;
    entries.sort((a, b) => a.used - b.used);
    for (const e of entries) {
      if (total <= this.maxBytes) break;
      if (`${e.base}.json` === keep) continue;
      await rm(`${e.base}.json`, { force: true });
      await rm(`${e.base}.body`, { force: true });
      total -= e.size;
      this.stats.evictions++;
    }
  }
}

/** FetchCache's options. */
export namespace FetchCache {
  export interface IOptions {
    /** Where entries live, e.g. `.taskcell/cache/fetch`. */
    dir: string;
    /** The most bytes kept; 2 GiB by default. */
    maxBytes?: number;
    /** Milliseconds a download may go without a byte (30 s by default; 0 turns it off); a binding's `idleTimeout` wins. */
    idleTimeout?: number;
  }
}
