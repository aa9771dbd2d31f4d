/**
 * The compiler process's V8 startup snapshot: snapshot.ts bundles this module (with the compiler
 * and tslab's converter) and runs it under `node --build-snapshot`, in an empty folder, with the
 * kernel's ICompilerConfig. Building compiles a few cells, so the declaration files every notebook
 * loads (TypeScript's lib files, @types/node) are parsed and bound; the snapshot keeps them. A
 * process started from it makes the converter for its own folder, and each declaration file whose
 * text is the same as the one kept is taken from the snapshot instead of parsed again. Files that
 * changed since, or that only this notebook's folder has, are parsed as usual: nothing a check
 * sees differs from a converter built from scratch.
 */
import * as v8 from 'node:v8';
import * as ts from '@tslab/typescript-for-tslab';
import { createConverter, isCompleteCode } from 'tslab/dist/converter';
import { printQuickInfo } from 'tslab/dist/inspect';
import { patchTypeResolution } from './type-resolution';
import { CompileService } from './service';
import { COMPILER_CWD, parentChannel, readCompilerConfig, serve } from './serve';
import type { ICompilerConfig, ITransport } from './serve';
import { SPARE_SOCKET, waitAsSpare } from './spare';
import { SOURCE_FILE_HOOK } from './source-file-hook';
import type { CreateSourceFile } from './source-file-hook';

type SourceFile = ReturnType<typeof ts.createSourceFile>;

/** tslab's converter, as the compile service takes it. */
const tslab = { createConverter, isCompleteCode, printQuickInfo };

/** Declaration files parsed while building, by their path from the last `node_modules/` on (the folder before it differs per notebook). */
const kept = new Map<string, SourceFile>();
const keyOf = (fileName: string): string => {
  const at = fileName.lastIndexOf('/node_modules/');
  return at < 0 ? fileName : fileName.slice(at);
};

// Building: every declaration file the converter parses is kept.
(globalThis as Record<symbol, unknown>)[SOURCE_FILE_HOOK] = ((fileName, text, version, setParents, kind, parse) => {
  const sf = parse(fileName, text, version, setParents, kind);
  if (sf.isDeclarationFile) kept.set(keyOf(fileName), sf);
  return sf;
}) satisfies CreateSourceFile<SourceFile>;

const sys = ts.sys;
const config = readCompilerConfig();
// The lib files are found beside the compiler's file, which this bundle is not.
sys.getExecutingFilePath = () => config.typescript;
// File watchers are handles, which a snapshot cannot hold: none while building (nothing changes meanwhile).
const watch = { watchFile: sys.watchFile, watchDirectory: sys.watchDirectory, createHash: sys.createHash };
const unwatched = { close: (): void => undefined };
sys.watchFile = () => unwatched;
sys.watchDirectory = () => unwatched;
// Nor can it hold node:crypto's hashes: the compiler hashes file texts with its own function meanwhile.
sys.createHash = undefined;

const unpatch = patchTypeResolution(ts, process.cwd(), new Map(config.roots), config.fallbackDirs);
const building = new CompileService(ts, tslab);
// Cells that reach the checker's common paths, so their functions are compiled in the snapshot.
const warmups = ['1+1', 'const xs: number[] = [1, 2, 3];\nxs.map((x) => x * 2)', 'import * as fs from "fs";\nfs.existsSync("x")'];
let decl = '';
for (const cell of warmups) {
  const r = building.convert(decl, cell, []);
  // A cell that does not compile here means the lib files or @types/node were not found: no snapshot then.
  if (r.diagnostics.length > 0)
    throw new Error(`the snapshot's warm-up cell ${JSON.stringify(cell)} did not compile: ${JSON.stringify(r.diagnostics)}`);
  decl = r.declOutput ?? decl;
}
building.close();
unpatch();
if (kept.size === 0) throw new Error('the snapshot build parsed no declaration files: the compiler did not load its lib files');
delete (globalThis as Record<symbol, unknown>)[SOURCE_FILE_HOOK];

v8.startupSnapshot.setDeserializeMainFunction(() => {
  const mainMs = Math.round(process.uptime() * 1000);
  Object.assign(sys, watch);
  const spare = process.env[SPARE_SOCKET];
  if (spare) waitAsSpare(spare, (claim, transport) => start(claim.cwd, claim.config, mainMs, transport, true));
  else start(process.env[COMPILER_CWD] ?? '.', readCompilerConfig(), mainMs, parentChannel, false);
});

/** Build the converter for the notebook folder `cwd` (declaration files from the snapshot), and serve. */
function start(cwd: string, config: ICompilerConfig, mainMs: number, transport: ITransport, spare: boolean): void {
  process.chdir(cwd);
  // The compiler keeps the directory it first saw: the build's.
  sys.getCurrentDirectory = () => process.cwd();
  let reused = 0;
  let parsed = 0;
  (globalThis as Record<symbol, unknown>)[SOURCE_FILE_HOOK] = ((fileName, text, version, setParents, kind, parse) => {
    const key = keyOf(fileName);
    const sf = kept.get(key);
    const options = typeof version === 'object' ? version : { languageVersion: version, impliedNodeFormat: undefined };
    if (
      sf &&
      sf.text === text &&
      sf.languageVersion === options.languageVersion &&
      (options.impliedNodeFormat === undefined || sf.impliedNodeFormat === options.impliedNodeFormat) &&
      (kind === undefined || (sf as unknown as { scriptKind: number }).scriptKind === kind)
    ) {
      // Each kept file goes to one program once: a program names the files it holds.
      kept.delete(key);
      reused++;
      return sf;
    }
    if (fileName.endsWith('.d.ts')) parsed++;
    return parse(fileName, text, version, setParents, kind);
  }) satisfies CreateSourceFile<SourceFile>;
  sys.getExecutingFilePath = () => config.typescript;
  patchTypeResolution(ts, process.cwd(), new Map(config.roots), config.fallbackDirs);
  const service = new CompileService(ts, tslab);
  service.warm();
  // What was not taken stays unreachable from here on, so it can be collected.
  kept.clear();
  serve(service, { snapshot: true, reused, parsed, mainMs, spare }, transport);
}
