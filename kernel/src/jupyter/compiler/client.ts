/**
 * Where the kernel's cells are compiled. The kernel compiles in a process of its own
 * (CompilerProcess): it starts with the kernel and builds the compiler while the kernel loads,
 * on another core, from a V8 startup snapshot when one is built (snapshot.ts); an interrupt ends a
 * compile that does not end by itself. `taskcell export` compiles in its own process
 * (InProcessCompiler).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CachedModule } from '../code-cache';
import { CompilerError, InterruptedError } from '../errors';
import { kernelModuleDirs, loadTypeScript, ownPackageRoots, saveCompilerCode } from '../module-resolution';
import { patchTypeResolution } from './type-resolution';
import { CompileService } from './service';
import type { ICompileApi } from './service';
import type { CompilerMessage, ICompilerConfig, IReadyInfo } from './serve';
import { buildSnapshotInBackground, compilerConfig, compilerEnv, snapshotPath } from './snapshot';

/** A compile request's arguments and result, by name. */
type Args<K extends keyof ICompileApi> = Parameters<ICompileApi[K]>;
type Result<K extends keyof ICompileApi> = ReturnType<ICompileApi[K]>;

/** What compiles the Executor's cells. */
export interface ICompiler {
  /** Begin building the compiler, without waiting for it (later calls do nothing). */
  start(): void;
  /** True once started. */
  readonly started: boolean;
  call<K extends keyof ICompileApi>(op: K, ...args: Args<K>): Promise<Result<K>>;
  /** End the compile in progress with InterruptedError; false when none is. */
  interrupt(): boolean;
  close(): void;
}

/** Compiles in this process (nothing to interrupt: a compile here runs to its end). */
export class InProcessCompiler implements ICompiler {
  private service: CompileService | undefined;
  private unpatch: (() => void) | undefined;
  private codeKept = false;

  constructor(private readonly cwd: string) {}

  get started(): boolean {
    return this.service !== undefined;
  }

  start(): void {
    if (this.service) return;
    const ts = loadTypeScript();
    this.unpatch = patchTypeResolution(ts, this.cwd, ownPackageRoots(), kernelModuleDirs());
    const { createConverter, isCompleteCode } = require('tslab/dist/converter') as typeof import('tslab/dist/converter');
    const { printQuickInfo } = require('tslab/dist/inspect') as typeof import('tslab/dist/inspect');
    this.service = new CompileService(ts, { createConverter, isCompleteCode, printQuickInfo });
    this.service.warm();
  }

  call<K extends keyof ICompileApi>(op: K, ...args: Args<K>): Promise<Result<K>> {
    try {
      this.start();
      const fn = this.service![op] as (...a: unknown[]) => Result<K>;
      const value = fn.apply(this.service, args);
      if (!this.codeKept) {
        this.codeKept = true;
        // The compiler's code for the next process, with what compiling a first cell compiled.
        setTimeout(saveCompilerCode, 200).unref();
      }
      return Promise.resolve(value);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  interrupt(): boolean {
    return false;
  }

  close(): void {
    this.service?.close();
    this.service = undefined;
    this.unpatch?.();
    this.unpatch = undefined;
  }
}

interface IPending {
  op: keyof ICompileApi;
  args: unknown[];
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/**
 * The compiler in a child process. Requests wait in the IPC channel while it starts, and are
 * answered in order. A child that ends before it is ready, having started from a snapshot, is
 * started again without it (that snapshot file is removed: V8 refused it), and gets the same
 * requests; one that ends later fails the compiles in progress with CompilerError, and the next
 * request starts a new one. Nothing is lost: the kernel keeps the cells' declarations.
 */
export class CompilerProcess implements ICompiler {
  private child: ChildProcess | undefined;
  private snapshot: string | undefined;
  private ready = false;
  private readonly pending = new Map<number, IPending>();
  private nextId = 1;
  private config: ICompilerConfig | undefined;
  private snapshotRefused = false;
  private backgroundBuild = false;
  private closed = false;

  constructor(private readonly options: CompilerProcess.IOptions) {}

  get started(): boolean {
    return this.child !== undefined;
  }

  /** How the running compiler process was made, once it is ready. */
  info: IReadyInfo | undefined;

  start(): void {
    if (this.child || this.closed) return;
    const config = (this.config ??= compilerConfig());
    const cacheDir = this.cacheDir();
    const blob = this.snapshotRefused ? undefined : snapshotPath(config, cacheDir);
    this.snapshot = blob && existsSync(blob) ? blob : undefined;
    const args = this.snapshot ? ['--snapshot-blob', this.snapshot] : [join(__dirname, 'child.js')];
    const child = spawn(process.execPath, args, {
      cwd: this.options.cwd,
      env: compilerEnv(config, this.options.cwd),
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child = child;
    this.ready = false;
    this.info = undefined;
    child.on('message', (m: CompilerMessage) => this.onMessage(child, m));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    child.on('error', (err) => this.options.log(`compiler process: ${err.message}`));
    // Requests made before this start go first, in their order.
    for (const [id, p] of this.pending) child.send({ id, op: p.op, args: p.args });
  }

  call<K extends keyof ICompileApi>(op: K, ...args: Args<K>): Promise<Result<K>> {
    if (this.closed) return Promise.reject(new CompilerError('The kernel is shutting down: no more cells are compiled', {}));
    this.start();
    const id = this.nextId++;
    return new Promise<Result<K>>((resolve, reject) => {
      this.pending.set(id, { op, args, resolve: resolve as (v: unknown) => void, reject });
      this.child!.send({ id, op, args });
    });
  }

  interrupt(): boolean {
    if (this.pending.size === 0 || !this.child) return false;
    this.stopChild();
    this.failPending(new InterruptedError('Execution was interrupted (while the cell was compiling)', {}));
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopChild();
    this.failPending(new CompilerError('The kernel is shutting down: the compile did not finish', {}));
  }

  private cacheDir(): string | undefined {
    return 'cacheDir' in this.options ? this.options.cacheDir : CachedModule.defaultDir();
  }

  private stopChild(): void {
    const child = this.child;
    this.child = undefined;
    child?.kill('SIGKILL');
  }

  private failPending(err: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
  }

  private onMessage(child: ChildProcess, m: CompilerMessage): void {
    if (child !== this.child) return;
    if ('ready' in m) {
      this.ready = true;
      this.info = { snapshot: m.snapshot, reused: m.reused, parsed: m.parsed };
      this.options.log(
        m.snapshot
          ? `compiler ready, from its startup snapshot (${m.reused} declaration files reused, ${m.parsed} parsed)`
          : 'compiler ready, without a startup snapshot (one is built for the next kernel)',
      );
      this.options.onReady?.(this.info);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if ('error' in m) p.reject(new CompilerError(`The compiler failed: ${m.error}`, {}));
    else p.resolve(m.value === null ? undefined : m.value);
    this.maybeBuildSnapshot();
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = undefined;
    if (this.closed) return;
    if (!this.ready && this.snapshot) {
      this.options.log(`the compiler's startup snapshot was refused (exit ${code ?? signal}); compiling without it`);
      rmSync(this.snapshot, { force: true });
      this.snapshotRefused = true;
      if (this.pending.size > 0) this.start();
      return;
    }
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    this.options.log(`the compiler process ended (${how})`);
    this.failPending(
      new CompilerError(`The compiler process ended (${how}) while compiling; the next cell starts a new one`, { exit: how }),
    );
  }

  /** After the first answers of a compiler that had no snapshot, build one for the next kernel (once). */
  private maybeBuildSnapshot(): void {
    if (this.backgroundBuild || this.snapshot || this.snapshotRefused) return;
    const cacheDir = this.cacheDir();
    if (!cacheDir || !this.config) return;
    this.backgroundBuild = true;
    const config = this.config;
    setTimeout(() => {
      if (!this.closed) buildSnapshotInBackground(config, cacheDir);
    }, 1000).unref();
  }
}

/** CompilerProcess's options. */
export namespace CompilerProcess {
  export interface IOptions {
    /** The notebook's directory (the compiler's working directory). */
    cwd: string;
    /** Where the snapshot is looked for and built; undefined turns it off. Default: the code cache directory. */
    cacheDir?: string | undefined;
    log: (line: string) => void;
    onReady?: (info: IReadyInfo) => void;
  }
}
