/**
 * `node build-snapshot.js [CACHE_DIR]`: build the compiler's startup snapshot into CACHE_DIR (by
 * default the code cache directory), and say in one line what it did. A kernel that found no
 * snapshot starts this in the background, with its configuration in the environment; setup runs
 * it after the build. A failure leaves no file, and the next kernel tries again.
 */
import { existsSync } from 'node:fs';
import { setPriority } from 'node:os';
import { CachedModule } from '../code-cache';
import { buildSnapshot, compilerConfig, snapshotPath } from './snapshot';
import { COMPILER_CONFIG, readCompilerConfig } from './serve';

const background = process.env[COMPILER_CONFIG] !== undefined;
if (background) {
  try {
    setPriority(19);
  } catch {
    // Not allowed here: build at normal priority.
  }
}
const config = background ? readCompilerConfig() : compilerConfig();
const cacheDir = process.argv[2] ?? CachedModule.defaultDir();
const before = snapshotPath(config, cacheDir);
const t0 = Date.now();
const built = before && !existsSync(before) ? buildSnapshot(config, cacheDir) : before;
if (!cacheDir) process.stdout.write('the code cache is off (TASKCELL_CODE_CACHE_DIR is empty): no snapshot\n');
else if (built === undefined) process.stdout.write('another process is building the snapshot\n');
else if (Date.now() - t0 > 50) process.stdout.write(`built ${built} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
else process.stdout.write(`already built: ${built}\n`);
