import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';

/** A stored result: the outputs a task produced, by port id, each with its format. */
export interface ICachedResult {
  outputs: Record<string, { format: string; data: unknown }>;
}

/** Where results are kept, by content key. */
export interface IResultCache {
  get(key: string): ICachedResult | undefined;
  set(key: string, value: ICachedResult): void;
  /** Forget everything. */
  clear(): void;
}

/**
 * Results on disk (`<dir>/<k[0..2]>/<k>`, written atomically with v8 serialization) with a small
 * in-memory layer in front, so a notebook that re-runs a cell hits memory and a new kernel still
 * finds yesterday's results on disk. Each hit returns a fresh copy: a task that mutates its input
 * cannot corrupt the cache.
 */
export class DiskResultCache implements IResultCache {
  readonly dir: string;
  private memory = new Map<string, Buffer>();
  private memoryBytes = 0;
  private readonly maxMemoryBytes: number;

  constructor(options: DiskResultCache.IOptions) {
    this.dir = options.dir;
    this.maxMemoryBytes = options.maxMemoryBytes ?? 64 * 1024 ** 2;
  }

  get(key: string): ICachedResult | undefined {
    let buf = this.memory.get(key);
    if (buf) {
      // Re-insert to mark it most recently used.
      this.memory.delete(key);
      this.memory.set(key, buf);
    } else {
      try {
        buf = readFileSync(this.file(key));
      } catch {
        return undefined;
      }
      this.remember(key, buf);
    }
    try {
      return deserialize(buf) as ICachedResult;
    } catch {
      return undefined;
    }
  }

  set(key: string, value: ICachedResult): void {
    const buf = serialize(value);
    this.remember(key, buf);
    const file = this.file(key);
    mkdirSync(join(file, '..'), { recursive: true });
    const tmp = `${file}.${randomUUID()}.part`;
    writeFileSync(tmp, buf);
    renameSync(tmp, file);
  }

  clear(): void {
    this.memory.clear();
    this.memoryBytes = 0;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private file(key: string): string {
    return join(this.dir, key.slice(0, 2), key);
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
  }
}
