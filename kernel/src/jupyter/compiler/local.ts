/**
 * A compile service in this process, for the notebook folder `cwd`: the compiler loaded through
 * V8's code cache, its file system patched for the folder, and tslab's converter. The compiler
 * process without a snapshot (child.ts) and `taskcell export` (InProcessCompiler) make theirs here.
 */
import { loadTypeScript } from '../module-resolution';
import { CompileService } from './service';
import { patchTypeResolution } from './type-resolution';

/** The service, and what undoes the patch of the compiler's file system. */
export function localCompileService(
  cwd: string,
  roots: Map<string, string>,
  fallbackDirs: string[],
): { service: CompileService; unpatch: () => void } {
  const ts = loadTypeScript();
  const unpatch = patchTypeResolution(ts, cwd, roots, fallbackDirs);
  const { createConverter, isCompleteCode } = require('tslab/dist/converter') as typeof import('tslab/dist/converter');
  const { printQuickInfo } = require('tslab/dist/inspect') as typeof import('tslab/dist/inspect');
  return { service: new CompileService(ts, { createConverter, isCompleteCode, printQuickInfo }), unpatch };
}
