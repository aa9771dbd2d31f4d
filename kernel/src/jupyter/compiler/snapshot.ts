/**
 * The compiler process's startup snapshot (see snapshot-entry.ts): where it is kept, and how it is
 * built. One file per Node binary, compiler, converter and kernel version (a hash of them names
 * it), in the code cache directory; `taskcell install` builds it, and a kernel that found none
 * builds it in the background for the next one.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CachedModule } from '../code-cache';
import { kernelModuleDirs, ownPackageRoots } from '../module-resolution';
import { COMPILER_CONFIG, COMPILER_CWD } from './serve';
import type { ICompilerConfig } from './serve';
import { hookCreateSourceFile } from './source-file-hook';

/** How long a build may take before it is given up, and a lock older than that is taken over. */
const BUILD_TIMEOUT_MS = 180_000;

/** The compiler process's configuration for this kernel installation. */
export function compilerConfig(): ICompilerConfig {
  return { roots: [...ownPackageRoots()], fallbackDirs: kernelModuleDirs(), typescript: Private.typescriptFile() };
}

/** The environment of a compiler process or a snapshot build: the kernel's, with the configuration, without NODE_OPTIONS (a snapshot is refused by a Node started with other V8 flags than the one that built it). */
export function compilerEnv(config: ICompilerConfig, cwd: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, [COMPILER_CONFIG]: JSON.stringify(config), [COMPILER_CWD]: cwd };
  delete out.NODE_OPTIONS;
  return out;
}

/** The snapshot file for `config` in `cacheDir` (it may not exist yet); undefined when caching is off. */
export function snapshotPath(config: ICompilerConfig, cacheDir: string | undefined = CachedModule.defaultDir()): string | undefined {
  if (!cacheDir) return undefined;
  const hash = createHash('sha256').update(`${process.version}\0${process.arch}\0${process.execPath}\0${JSON.stringify(config)}`);
  for (const file of Private.inputs()) {
    const st = statSync(file);
    hash.update(`\0${file}\0${st.size}\0${st.mtimeMs}`);
  }
  return join(cacheDir, `compiler-${hash.digest('hex').slice(0, 32)}.blob`);
}

/**
 * Build the snapshot for `config` unless it is there; returns its path, or undefined when caching
 * is off or another process is building it now. Takes a few seconds; throws when the build fails.
 */
export function buildSnapshot(
  config: ICompilerConfig = compilerConfig(),
  cacheDir: string | undefined = CachedModule.defaultDir(),
): string | undefined {
  const blob = snapshotPath(config, cacheDir);
  if (!blob || existsSync(blob)) return blob;
  mkdirSync(dirname(blob), { recursive: true });
  const lock = `${blob}.lock`;
  if (!Private.takeLock(lock)) return undefined;
  const work = mkdtempSync(join(tmpdir(), 'taskcell-snapshot-'));
  const tmp = `${blob}.${process.pid}.tmp`;
  try {
    const compiler = join(work, 'typescript.js');
    writeFileSync(compiler, hookCreateSourceFile(readFileSync(config.typescript, 'utf8')));
    const bundle = join(work, 'compiler.js');
    (require('esbuild') as typeof import('esbuild')).buildSync({
      entryPoints: [join(__dirname, 'snapshot-entry.js')],
      bundle: true,
      platform: 'node',
      // One function around it all: the snapshot builder runs a script, with no `module` or `exports`.
      format: 'iife',
      outfile: bundle,
      alias: { '@tslab/typescript-for-tslab': compiler },
      logLevel: 'silent',
    });
    // Built in an empty folder: the files kept are those a notebook folder without node_modules of its own loads.
    const folder = join(work, 'notebook');
    mkdirSync(folder);
    execFileSync(process.execPath, ['--snapshot-blob', tmp, '--build-snapshot', bundle], {
      cwd: folder,
      env: compilerEnv(config, folder),
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: BUILD_TIMEOUT_MS,
    });
    renameSync(tmp, blob);
    Private.removeOthers(blob);
    return blob;
  } finally {
    rmSync(tmp, { force: true });
    rmSync(work, { recursive: true, force: true });
    rmSync(lock, { force: true });
  }
}

/** Build the snapshot in a detached, low-priority process that outlives nobody's wait. */
export function buildSnapshotInBackground(config: ICompilerConfig, cacheDir: string): void {
  const child = spawn(process.execPath, [join(__dirname, 'build-snapshot.js'), cacheDir], {
    detached: true,
    stdio: 'ignore',
    env: compilerEnv(config, tmpdir()),
  });
  child.on('error', () => undefined);
  child.unref();
}

namespace Private {
  /** The files the snapshot is made of. */
  export function inputs(): string[] {
    const fromTslab = createRequire(require.resolve('tslab/package.json'));
    const own = ['snapshot-entry.js', 'service.js', 'serve.js', 'spare.js', 'source-file-hook.js', 'type-resolution.js'].map((f) =>
      join(__dirname, f),
    );
    return [typescriptFile(), fromTslab.resolve('tslab/dist/converter'), fromTslab.resolve('tslab/dist/inspect'), ...own];
  }

  export function typescriptFile(): string {
    return createRequire(require.resolve('tslab/package.json')).resolve('@tslab/typescript-for-tslab');
  }

  /** Create `lock`, or take it over when it is older than a build may take; false when another build holds it. */
  export function takeLock(lock: string): boolean {
    try {
      closeSync(openSync(lock, 'wx'));
      return true;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs < BUILD_TIMEOUT_MS) return false;
        writeFileSync(lock, String(process.pid));
        return true;
      } catch {
        return false;
      }
    }
  }

  /** Snapshots not rebuilt for this long are removed (one is tens of MB); other installations sharing the folder keep theirs. */
  const STALE_MS = 14 * 24 * 3600_000;

  /** Remove old snapshots of other versions beside `blob`. */
  export function removeOthers(blob: string): void {
    const dir = dirname(blob);
    for (const f of readdirSync(dir)) {
      const file = join(dir, f);
      if (!f.startsWith('compiler-') || !f.endsWith('.blob') || file === blob) continue;
      try {
        if (Date.now() - statSync(file).mtimeMs > STALE_MS) rmSync(file, { force: true });
      } catch {
        // Gone meanwhile.
      }
    }
  }
}
