import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';

/** A stored result: the outputs a task produced, by port id, each with its format. */
export interface ICachedResult {
  outputs: Record<string, { format: string; data: unknown }>;
  /** Where a hit came from (`memory`, `disk`, `redis`, `artifacts`...); set by `get`, not stored. */
  from?: string;
}

/** Where results are kept, by content key. */
export interface IResultCache {
  /** A stored result, or undefined; a shared store answers asynchronously. */
  get(key: string): ICachedResult | undefined | Promise<ICachedResult | undefined>;
  /** Keep a result. Must not wait for slow storage: the task's caller should not pay for it. */
  set(key: string, value: ICachedResult): void;
  /** Forget everything. */
  clear(): void;
  /** Resolves once everything `set` so far is stored. */
  flush?(): Promise<void>;
  /** Names a shared store, so one store is layered once however many pools point at it. */
  readonly id?: string;
}

/**
 * Results on disk (`<dir>/<k[0..2]>/<k>`, v8 serialization) with a small in-memory layer in front,
 * so a notebook that re-runs a cell hits memory and a new kernel still finds yesterday's results on
 * disk. Storing costs the serialization and a map entry: the file is written after the task's
 * caller has its result (atomically, by rename), and the disk holds at most `maxBytes`, the least
 * recently used results leaving first. Each hit returns a fresh copy: a task that mutates its input
 * cannot corrupt the cache.
 */
export class DiskResultCache implements IResultCache {
  readonly dir: string;
  private memory = new Map<string, Buffer>();
  private memoryBytes = 0;
  private readonly maxMemoryBytes: number;
  private readonly maxBytes: number;
  /** Files on disk by key: size and last use, read from the folder on first need, then kept up to date. */
  private index: Map<string, { size: number; used: number }> | undefined;
  private diskBytes = 0;
  private evicting: Promise<void> = Promise.resolve();

  constructor(options: DiskResultCache.IOptions) {
    this.dir = options.dir;
    this.maxMemoryBytes = options.maxMemoryBytes ?? 64 * 1024 ** 2;
    this.maxBytes = options.maxBytes ?? Number(process.env.TASKCELL_CACHE_MAX_BYTES || 2 * 1024 ** 3);
  }

  get(key: string): ICachedResult | undefined {
    let buf = this.memory.get(key);
    let from = 'memory';
    if (buf) {
      // Re-insert to mark it most recently used.
      this.memory.delete(key);
      this.memory.set(key, buf);
    } else {
      buf = Private.pending.get(this.file(key));
      if (!buf) {
        try {
          buf = readFileSync(this.file(key));
        } catch {
          return undefined;
        }
        from = 'disk';
        this.touch(key);
      }
      this.remember(key, buf);
    }
    try {
      const r = deserialize(buf) as ICachedResult;
      r.from = from;
      return r;
    } catch {
      return undefined;
    }
  }

  set(key: string, value: ICachedResult): void {
    const buf = serialize(value.from === undefined ? value : { outputs: value.outputs });
    this.remember(key, buf);
    const file = this.file(key);
    // Readers in this process (another runner on the same folder) see it before the file exists.
    Private.pending.set(file, buf);
    Private.writer.write(file, buf, (ok) => {
      if (Private.pending.get(file) === buf) Private.pending.delete(file);
      if (ok) this.written(key, buf.length);
    });
  }

  /** Resolves once every result set so far is on disk. */
  async flush(): Promise<void> {
    await Private.writer.flush();
    await this.evicting;
  }

  /** Bytes of results on disk, as far as this cache knows. */
  get sizeOnDisk(): number {
    this.load();
    return this.diskBytes;
  }

  clear(): void {
    this.memory.clear();
    this.memoryBytes = 0;
    this.index = undefined;
    this.diskBytes = 0;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private file(key: string): string {
    return join(this.dir, key.slice(0, 2), key);
  }

  /** Account for a file the writer thread has written (a result it could not write is computed again next time). */
  private written(key: string, size: number): void {
    this.load();
    const old = this.index!.get(key);
    this.diskBytes += size - (old?.size ?? 0);
    this.index!.delete(key);
    this.index!.set(key, { size, used: Date.now() });
    if (this.diskBytes > this.maxBytes) this.evicting = this.evicting.then(() => this.evict());
  }

  /** Remove the least recently used results until the disk holds at most 90% of `maxBytes`. */
  private async evict(): Promise<void> {
    const byAge = [...this.index!].sort((a, b) => a[1].used - b[1].used);
    const target = this.maxBytes * 0.9;
    for (const [key, { size }] of byAge) {
      if (this.diskBytes <= target) break;
      this.index!.delete(key);
      this.diskBytes -= size;
      const old = this.memory.get(key);
      if (old) {
        this.memory.delete(key);
        this.memoryBytes -= old.length;
      }
      await unlink(this.file(key)).catch(() => undefined);
    }
  }

  /** Mark a result read from disk as used now (its file's mtime, which orders eviction across processes). */
  private touch(key: string): void {
    const now = Date.now();
    const entry = this.index?.get(key);
    if (entry) {
      // Re-inserted, so that among equal times the order of use decides.
      this.index!.delete(key);
      this.index!.set(key, { size: entry.size, used: now });
    }
    void utimes(this.file(key), now / 1000, now / 1000).catch(() => undefined);
  }

  /** Read the folder once: every result file with its size and last use. */
  private load(): void {
    if (this.index) return;
    this.index = new Map();
    this.diskBytes = 0;
    let shards: string[];
    try {
      shards = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const shard of shards) {
      let files: string[];
      try {
        files = readdirSync(join(this.dir, shard));
      } catch {
        continue;
      }
      for (const f of files) {
        if (f.endsWith('.part')) continue;
        try {
          const st = statSync(join(this.dir, shard, f));
          this.index.set(f, { size: st.size, used: st.mtimeMs });
          this.diskBytes += st.size;
        } catch {
          // Removed meanwhile by another process.
        }
      }
    }
  }

  private remember(key: string, buf: Buffer): void {
    if (buf.length > this.maxMemoryBytes / 4) return;
    const old = this.memory.get(key);
    if (old) this.memoryBytes -= old.length;
    this.memory.set(key, buf);
    this.memoryBytes += buf.length;
    for (const [k, b] of this.memory) {
      if (this.memoryBytes <= this.maxMemoryBytes) break;
      this.memory.delete(k);
      this.memoryBytes -= b.length;
    }
  }
}

/** DiskResultCache's options. */
export namespace DiskResultCache {
  export interface IOptions {
    /** e.g. `.taskcell/cache/results` */
    dir: string;
    /** Bytes of serialized results kept in memory; 64 MiB by default. */
    maxMemoryBytes?: number;
    /** Bytes of results kept on disk; `$TASKCELL_CACHE_MAX_BYTES` or 2 GiB by default. */
    maxBytes?: number;
  }
}

/**
 * A local cache in front of a shared store (a remote pool's Redis): a result is looked up here
 * first, then there (and kept here once found); a new one is stored in both.
 */
export class LayeredResultCache implements IResultCache {
  constructor(
    readonly local: IResultCache,
    readonly shared: IResultCache,
  ) {}

  /** `local` with `shared` behind it, unless a store with the same id is already behind it. */
  static over(local: IResultCache, shared: IResultCache): IResultCache {
    for (let c: IResultCache | undefined = local; c instanceof LayeredResultCache; c = c.local) {
      if (c.shared === shared || (shared.id !== undefined && c.shared.id === shared.id)) return local;
    }
    return new LayeredResultCache(local, shared);
  }

  get(key: string): ICachedResult | undefined | Promise<ICachedResult | undefined> {
    const here = this.local.get(key);
    if (here !== undefined && !Private.isThenable(here)) return here;
    return Promise.resolve(here).then(async (h) => {
      if (h) return h;
      const there = await Promise.resolve(this.shared.get(key)).catch(() => undefined);
      if (there) this.local.set(key, { outputs: there.outputs });
      return there;
    });
  }

  set(key: string, value: ICachedResult): void {
    this.local.set(key, value);
    this.shared.set(key, value);
  }

  clear(): void {
    this.local.clear();
    this.shared.clear();
  }

  async flush(): Promise<void> {
    await Promise.all([this.local.flush?.(), this.shared.flush?.()]);
  }
}

namespace Private {
  /** Results set but not yet on disk, by file, for every DiskResultCache of this process. */
  export const pending = new Map<string, Buffer>();

  /**
   * The files of every DiskResultCache of this process, written on one thread of their own, so a
   * task's caller pays for a postMessage per turn of the event loop, not for the file system. The
   * thread holds the process open only while it has writes to do.
   */
  class Writer {
    private thread: Worker | undefined;
    private batch: Array<{ file: string; buf: Buffer }> = [];
    private callbacks: Array<(ok: boolean) => void> = [];
    private inFlight: Array<Array<(ok: boolean) => void>> = [];
    private waiters: Array<() => void> = [];

    write(file: string, buf: Buffer, done: (ok: boolean) => void): void {
      if (this.batch.push({ file, buf }) === 1) setImmediate(() => this.send());
      this.callbacks.push(done);
    }

    flush(): Promise<void> {
      if (!this.batch.length && !this.inFlight.length) return Promise.resolve();
      return new Promise((r) => this.waiters.push(r));
    }

    private send(): void {
      const batch = this.batch;
      this.batch = [];
      this.inFlight.push(this.callbacks);
      this.callbacks = [];
      const t = this.start();
      t.ref();
      t.postMessage(batch);
    }

    private start(): Worker {
      if (this.thread) return this.thread;
      const t = new Worker(WRITER, { eval: true });
      t.on('message', (oks: boolean[]) => {
        const cbs = this.inFlight.shift() ?? [];
        cbs.forEach((cb, i) => cb(oks[i]));
        if (!this.inFlight.length) {
          t.unref();
          if (!this.batch.length) for (const w of this.waiters.splice(0)) w();
        }
      });
      t.on('error', () => {
        // Writes lost with the thread are results computed again later; a new thread takes the next ones.
        for (const cbs of this.inFlight.splice(0)) for (const cb of cbs) cb(false);
        this.thread = undefined;
        for (const w of this.waiters.splice(0)) w();
      });
      t.unref();
      return (this.thread = t);
    }
  }

  /** The writer thread: each file written beside its place, then renamed into it (readers never see half a result). */
  const WRITER = `
    const { parentPort } = require('node:worker_threads');
    const { mkdirSync, writeFileSync, renameSync } = require('node:fs');
    const { dirname } = require('node:path');
    const made = new Set();
    let n = 0;
    parentPort.on('message', (batch) => {
      parentPort.postMessage(batch.map(({ file, buf }) => {
        try {
          const dir = dirname(file);
          if (!made.has(dir)) { mkdirSync(dir, { recursive: true }); made.add(dir); }
          const tmp = file + '.' + process.pid + '.' + (n++) + '.part';
          writeFileSync(tmp, buf);
          renameSync(tmp, file);
          return true;
        } catch {
          made.clear();
          return false;
        }
      }));
    });`;

  export const writer = new Writer();

  export function isThenable(v: unknown): v is Promise<unknown> {
    return typeof (v as Promise<unknown> | undefined)?.then === 'function';
  }
}
