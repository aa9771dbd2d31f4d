/**
 * The compiler process when no startup snapshot is at hand: it loads the compiler (through V8's
 * code cache), builds the converter for the notebook's directory (its working directory) and
 * answers the kernel. Started by client.ts, never by hand.
 */
import { loadTypeScript, saveCompilerCode } from '../module-resolution';
import { patchTypeResolution } from './type-resolution';
import { CompileService } from './service';
import { readCompilerConfig, serve } from './serve';

const mainMs = Math.round(process.uptime() * 1000);
const config = readCompilerConfig();
const ts = loadTypeScript();
patchTypeResolution(ts, process.cwd(), new Map(config.roots), config.fallbackDirs);
const { createConverter, isCompleteCode } = require('tslab/dist/converter') as typeof import('tslab/dist/converter');
const { printQuickInfo } = require('tslab/dist/inspect') as typeof import('tslab/dist/inspect');
const service = new CompileService(ts, { createConverter, isCompleteCode, printQuickInfo });
service.warm();
// The compiler's code for the next process, with what compiling a first cell compiled; after that answer has left.
serve(service, { snapshot: false, mainMs }, undefined, saveCompilerCode);
