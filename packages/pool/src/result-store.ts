import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { ICachedResult, IResultCache, Runner } from '@taskcell/core';
import { DirectoryArtifactStore } from './artifact-store';
import type { IArtifactStore } from './artifact-store';
import { connectionOptions, packBlob, parseRedisUrl, unpackBlob } from './remote-protocol';
import type { Blob } from './remote-protocol';

/**
 * The result store a remote pool's clients and workers share: each result under its cache key in
 * Redis (`taskcell:result:KEY`), inline when small, else in the artifact store with a reference in
 * Redis. A result computed in a notebook, on a thread's host or on any worker is then found by all.
 * `set` returns at once; the write goes on in the background (`flush` waits for it). The connection
 * opens on use and closes after a second without any, so a command-line run can end.
 */
export class RedisResultStore implements IResultCache {
  readonly id: string;
  private readonly options: RedisOptions;
  private client: Redis | undefined;
  private busy = 0;
  private idle: NodeJS.Timeout | undefined;
  private readonly store: IArtifactStore | undefined;
  private readonly inlineLimit: number;
  private readonly ttl: number;
  private readonly writes = new Set<Promise<unknown>>();
  private closed = false;

  constructor(options: RedisResultStore.IOptions) {
    const target = parseRedisUrl(options.url);
    this.id = RedisResultStore.idOf(options.url);
    this.store = options.store ?? (target.store ? new DirectoryArtifactStore({ path: target.store }) : undefined);
    this.inlineLimit = options.inlineLimit ?? 256 * 1024;
    this.ttl = options.ttlSeconds ?? 7 * 86_400;
    // A store that cannot be reached is a cache miss, not a failed job: one try per command.
    this.options = { ...(connectionOptions(target) as RedisOptions), maxRetriesPerRequest: 1 };
  }

  /** The id of the store at `url` (its Redis server and database). */
  static idOf(url: string): string {
    const t = parseRedisUrl(url);
    return `redis://${t.host}:${t.port}/${t.db}`;
  }

  async get(key: string): Promise<ICachedResult | undefined> {
    const text = await this.use((c) => c.get(Private.key(key)));
    if (text === null) return undefined;
    const blob = JSON.parse(text) as Blob;
    const value = (await unpackBlob(blob, `the stored result ${key}`, this.store)) as ICachedResult;
    value.from = 'ref' in blob ? 'artifacts' : 'redis';
    return value;
  }

  set(key: string, value: ICachedResult): void {
    if (this.closed) return;
    const w = packBlob({ outputs: value.outputs }, this.store, this.inlineLimit)
      .then((blob) => this.use((c) => c.set(Private.key(key), JSON.stringify(blob), 'EX', this.ttl)))
      .catch(() => undefined)
      .finally(() => this.writes.delete(w));
    this.writes.add(w);
  }

  /** Forget every shared result (of every client and worker). */
  clear(): void {
    void this.clearAll();
  }

  async flush(): Promise<void> {
    while (this.writes.size) await Promise.all([...this.writes]);
  }

  /** Finish pending writes and disconnect. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    clearTimeout(this.idle);
    this.hangUp();
  }

  private async clearAll(): Promise<void> {
    let cursor = '0';
    do {
      const [next, found] = await this.use((c) => c.scan(cursor, 'MATCH', Private.key('*'), 'COUNT', 1000));
      if (found.length) await this.use((c) => c.del(...found));
      cursor = next;
    } while (cursor !== '0');
  }

  /** Run a command on the connection, opening it if needed; it closes a second after the last command. */
  private async use<T>(command: (c: Redis) => Promise<T>): Promise<T> {
    clearTimeout(this.idle);
    if (!this.client) {
      this.client = new Redis(this.options);
      this.client.on('error', () => undefined);
    }
    this.busy++;
    try {
      return await command(this.client);
    } finally {
      if (--this.busy === 0) this.idle = setTimeout(() => this.hangUp(), 1000);
    }
  }

  private hangUp(): void {
    const c = this.client;
    this.client = undefined;
    if (c) void c.quit().catch(() => c.disconnect());
  }
}

/** RedisResultStore's options. */
export namespace RedisResultStore {
  export interface IOptions {
    /** `redis://host:port[/db][?store=DIR]`: the remote pool's Redis (and its artifact store). */
    url: string;
    /** Where results bigger than `inlineLimit` go; the URL's `?store=DIR` by default. */
    store?: IArtifactStore;
    /** Serialized bytes up to which a result is kept in Redis itself; 256 KiB by default. */
    inlineLimit?: number;
    /** How long a shared result is kept; 7 days by default. */
    ttlSeconds?: number;
  }
}

/** Share `runner`'s results through the Redis (and artifact store) of `url`; one store per Redis, however often asked. */
export function shareResults(runner: Runner, url: string): RedisResultStore {
  const existing = Private.sharedIn(runner.resultCache, RedisResultStore.idOf(url));
  if (existing) return existing;
  const store = new RedisResultStore({ url });
  runner.shareResults(store);
  return store;
}

namespace Private {
  export const key = (k: string) => `taskcell:result:${k}`;

  export function sharedIn(cache: IResultCache, id: string): RedisResultStore | undefined {
    for (let c = cache as IResultCache & { local?: IResultCache; shared?: IResultCache }; c; c = c.local as typeof c) {
      if (c.shared instanceof RedisResultStore && c.shared.id === id) return c.shared;
    }
    return undefined;
  }
}
