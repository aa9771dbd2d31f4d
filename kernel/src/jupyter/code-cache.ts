import Module, { createRequire } from 'node:module';
import vm from 'node:vm';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A CommonJS module loaded with V8's code cache: the compiled code of a large module (the
 * TypeScript compiler is 9 MB of JavaScript) is kept on disk after a first use, so a later
 * process skips parsing and compiling it. The module is registered in `require.cache`, so every
 * `require` of it gets this instance.
 */
export class CachedModule {
  /** What the module exports. */
  readonly exports: unknown;
  private readonly script: vm.Script;
  private readonly cacheFile: string | undefined;
  private readonly hadCache: boolean;
  private saved = false;

  /** Load `filename` (an absolute path), unless `require` has it already (then its exports are used and nothing is cached). */
  constructor(filename: string, cacheDir: string | undefined = CachedModule.defaultDir()) {
    const loaded = require.cache[filename];
    const source = loaded ? '' : readFileSync(filename, 'utf8');
    this.cacheFile = loaded || !cacheDir ? undefined : join(cacheDir, `${Private.key(filename)}.bin`);
    const cachedData = this.cacheFile ? Private.read(this.cacheFile) : undefined;
    this.script = new vm.Script(Module.wrap(source), { filename, cachedData });
    this.hadCache = cachedData !== undefined && !this.script.cachedDataRejected;
    if (loaded) {
      this.exports = loaded.exports;
      return;
    }
    const mod = new Module(filename, module);
    mod.filename = filename;
    mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(filename));
    const fn = this.script.runInThisContext() as (...args: unknown[]) => void;
    require.cache[filename] = mod;
    try {
      fn.call(mod.exports, mod.exports, createRequire(filename), mod, filename, dirname(filename));
    } catch (err) {
      delete require.cache[filename];
      throw err;
    }
    mod.loaded = true;
    this.exports = mod.exports;
  }

  /** True when the code came from a cache file V8 accepted. */
  get fromCache(): boolean {
    return this.hadCache;
  }

  /**
   * Write the code compiled so far (call it once the module has done its usual first work, so the
   * functions that work compiled are in the cache). Does nothing when the cache was used, or
   * was written already. A cache that cannot be written is no error: the next start compiles again.
   */
  save(): void {
    if (this.saved || this.hadCache || !this.cacheFile) return;
    this.saved = true;
    try {
      const data = this.script.createCachedData();
      mkdirSync(dirname(this.cacheFile), { recursive: true });
      // Written aside and renamed, so a kernel starting meanwhile never reads half a file.
      const tmp = `${this.cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, data);
      renameSync(tmp, this.cacheFile);
    } catch {
      // A read-only or full cache directory: the code is compiled on every start instead.
    }
  }
}

/** CachedModule's helpers. */
export namespace CachedModule {
  /** `$TASKCELL_CODE_CACHE_DIR`, else `$XDG_CACHE_HOME/taskcell/v8`, else `~/.cache/taskcell/v8`; `TASKCELL_CODE_CACHE_DIR=` (empty) turns the cache off. */
  export function defaultDir(): string | undefined {
    const own = process.env.TASKCELL_CODE_CACHE_DIR;
    if (own !== undefined) return own === '' ? undefined : own;
    return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'taskcell', 'v8');
  }
}

namespace Private {
  /** One cache file per module file, Node version and architecture (V8 rejects code of another version anyway). */
  export function key(filename: string): string {
    const st = statSync(filename);
    return createHash('sha256')
      .update(`${process.version}\0${process.arch}\0${filename}\0${st.size}\0${st.mtimeMs}`)
      .digest('hex')
      .slice(0, 32);
  }

  export function read(file: string): Buffer | undefined {
    try {
      return readFileSync(file);
    } catch {
      return undefined;
    }
  }
}
