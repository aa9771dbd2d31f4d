/**
 * The compiler process when no startup snapshot is at hand: it loads the compiler (through V8's
 * code cache), builds the converter for the notebook's directory (its working directory) and
 * answers the kernel. Started by client.ts, never by hand.
 */
import { saveCompilerCode } from '../module-resolution';
import { localCompileService } from './local';
import { readCompilerConfig, serve } from './serve';

const mainMs = Math.round(process.uptime() * 1000);
const config = readCompilerConfig();
const { service } = localCompileService(process.cwd(), new Map(config.roots), config.fallbackDirs);
service.warm();
// The compiler's code for the next process, with what compiling a first cell compiled; after that answer has left.
serve(service, { snapshot: false, mainMs }, undefined, saveCompilerCode);
