import vm from 'node:vm';
import { stoppable } from '@taskcell/core/lib/watchdog';
import { CompileError, InterruptedError } from './errors';
import { createCellRequire, loadTypeScript } from './module-resolution';
import type { TypeScriptModule } from './module-resolution';
import { InProcessCompiler } from './compiler/client';
import type { ICompiler } from './compiler/client';
import type { ICompletion, IConverted, IDiagnostic, IImport, IIsComplete } from './compiler/service';
import { prompt } from '../prompt';

export type { ICompletion, IIsComplete } from './compiler/service';

/** What a cell left behind: the value of its last expression, if it ended with one. */
export interface ICellResult {
  hasValue: boolean;
  value?: unknown;
}

/**
 * Compiles cells (through an ICompiler: tslab's TypeScript converter, in a process of its own for
 * the kernel) and runs them in this process with `vm`, so declarations carry from cell to cell and
 * a synchronous loop can be broken by SIGINT (`breakOnSigint`). Asynchronous cells (top-level
 * await) race an interrupt promise; so does a compile.
 */
export class Executor {
  private ts: TypeScriptModule | undefined;
  private prevDecl = '';
  private imported = new Map<string, { module: string; name: string }>();
  private readonly locals: Record<string, unknown>;
  private readonly cellRequire: NodeJS.Require;
  private readonly compiler: ICompiler;
  private interruptCurrent: ((err: Error) => void) | undefined;
  private closed = false;
  private readonly scope = { lookup: (name: string) => this.lookup(name) };

  constructor(private readonly options: Executor.IOptions) {
    this.compiler = options.compiler ?? new InProcessCompiler(options.cwd);
    this.locals = Private.createLocals();
    // The cells' declarations, for task functions that travel to threads and workers (core's setTaskScope).
    (globalThis as Record<symbol, unknown>)[Private.TASK_SCOPE] = this.scope;
    // What the compiler knows from the kernel's ambient declarations (the compile service's globals module) is defined here.
    (globalThis as Record<string, unknown>).prompt = prompt;
    this.cellRequire = createCellRequire(options.cwd);
    (globalThis as Record<symbol, unknown>)[Private.CELL] = { exports: this.locals, require: this.cellRequire };
  }

  /** Start building the compiler (several hundred ms; in the background when it has a process of its own). */
  warm(): void {
    this.compiler.start();
  }

  /** True once the compiler is started. */
  get isWarm(): boolean {
    return this.compiler.started;
  }

  /**
   * Compile and run a cell. Throws CompileError on type errors, InterruptedError on interrupt,
   * and whatever the cell throws. With `ephemeral`, declarations are not kept (user expressions).
   */
  async execute(src: string, ephemeral = false): Promise<ICellResult> {
    const converted = await this.convert(this.prevDecl, src);
    if (converted.diagnostics.length > 0) throw Private.compileError(converted.diagnostics);
    // Declarations carry on even when the cell fails at run time, as variables do in IPython.
    if (!ephemeral) this.keep(converted);
    if (!converted.output) return { hasValue: false };
    const prefix = converted.hasToplevelAwait ? '(async function (exports, require) { ' : '(function (exports, require) { ';
    const cell = `globalThis[Symbol.for(${JSON.stringify(Private.CELL_KEY)})]`;
    const wrapped = `${prefix}${converted.output}\n})(${cell}.exports, ${cell}.require)`;
    let ret: unknown;
    try {
      // One name for every cell: V8 then reuses its compiled code when a cell's text runs again.
      // Stoppable: a cell stopped at a task's deadline must not leave the process without its SIGINT listeners.
      ret = stoppable(() => vm.runInThisContext(wrapped, { breakOnSigint: true, filename: 'cell' }));
    } catch (err) {
      if (!Private.isSigintError(err)) throw err;
      this.options.onSigint?.();
      throw new InterruptedError('Execution was interrupted', {});
    }
    if (converted.hasToplevelAwait) await this.race(ret as Promise<unknown>);
    const name = converted.lastExpressionVar;
    if (name && Object.prototype.hasOwnProperty.call(this.locals, name)) {
      const value = this.locals[name];
      delete this.locals[name];
      return { hasValue: true, value };
    }
    return { hasValue: false };
  }

  /** End an awaiting cell, or a compile in progress, with InterruptedError (synchronous code is broken by SIGINT itself). */
  interrupt(): boolean {
    const stop = this.interruptCurrent;
    if (!stop) return this.compiler.interrupt();
    this.interruptCurrent = undefined;
    stop(new InterruptedError('Execution was interrupted', {}));
    return true;
  }

  /** Completions at `pos` (a UTF-16 offset). */
  complete(src: string, pos: number): Promise<ICompletion> {
    return this.compiler.call('complete', this.prevDecl, src, pos);
  }

  /** The type and documentation of what is at `pos`, as text, or undefined. */
  inspect(src: string, pos: number): Promise<string | undefined> {
    return this.compiler.call('inspect', this.prevDecl, src, pos);
  }

  /** Whether `src` is a whole cell, needs more lines, or cannot parse. */
  isComplete(src: string): Promise<IIsComplete> {
    return this.compiler.call('isComplete', src);
  }

  /** The declarations after `src` compiled against `previous` (nothing runs), or undefined when it does not compile. */
  async declarations(previous: string, src: string): Promise<string | undefined> {
    const converted = await this.convert(previous, src);
    return converted.diagnostics.length > 0 ? undefined : (converted.declOutput ?? previous);
  }

  /** The TypeScript compiler (in this process, for reading code: it compiles no cell). */
  get typescript(): TypeScriptModule {
    return (this.ts ??= loadTypeScript());
  }

  /** Forget every declaration and value. */
  reset(): void {
    this.prevDecl = '';
    this.imported = new Map();
    for (const k of Object.keys(this.locals)) delete this.locals[k];
  }

  /**
   * How the cells declare `name`: an import (from the cells' declarations), a value (from their
   * locals), or undefined when no cell declares it at the top level.
   */
  lookup(name: string): { kind: 'import'; module: string; name: string } | { kind: 'value'; value: unknown } | undefined {
    const imported = this.imported.get(name);
    if (imported) return { kind: 'import', ...imported };
    if (Object.prototype.hasOwnProperty.call(this.locals, name)) return { kind: 'value', value: this.locals[name] };
    return undefined;
  }

  /** Release the compiler. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const host = globalThis as Record<symbol, unknown>;
    if (host[Private.TASK_SCOPE] === this.scope) host[Private.TASK_SCOPE] = undefined;
    this.compiler.close();
  }

  /** Compile `src` after `previous`; an interrupt ends the wait (and the compile). */
  private convert(previous: string, src: string): Promise<IConverted> {
    return this.compiler.call('convert', previous, src, Object.keys(this.locals));
  }

  /** Keep what a cell declared: the declarations, and the names they import. */
  private keep(converted: IConverted): void {
    this.prevDecl = converted.declOutput ?? '';
    this.imported = new Map((converted.imports ?? []).map((i: IImport) => [i.local, { module: i.module, name: i.name }]));
  }

  /** Wait for an awaiting cell, or for an interrupt. */
  private race(ret: Promise<unknown>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.interruptCurrent = reject;
      ret.then(() => resolve(), reject);
    }).finally(() => {
      this.interruptCurrent = undefined;
    });
  }
}

/** The Executor's options. */
export namespace Executor {
  /** How to build an Executor. */
  export interface IOptions {
    /** The notebook's directory: modules and types resolve from here. */
    cwd: string;
    /** Called when SIGINT broke a running cell (the process's SIGINT listeners do not see that one). */
    onSigint?: () => void;
    /** What compiles the cells; by default, the compiler in this process. */
    compiler?: ICompiler;
  }
}

namespace Private {
  export const CELL_KEY = 'taskcell.cell';

  export const CELL = Symbol.for(CELL_KEY);
  /** Where @taskcell/core looks for the scope task functions are resolved against (its `setTaskScope` sets the same). */
  export const TASK_SCOPE = Symbol.for('taskcell.task-scope');

  /** Cell locals: TypeScript's `export` becomes defineProperty, which must stay rewritable across cells. */
  export function createLocals(): Record<string, unknown> {
    const store: Record<string, unknown> = {};
    return new Proxy(store, {
      defineProperty(_target, prop, attrs) {
        if (prop === '__esModule') return true;
        store[prop as string] = attrs.get ? attrs.get() : attrs.value;
        return true;
      },
    });
  }

  export function isSigintError(err: unknown): boolean {
    return err instanceof Error && (err as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED';
  }

  export function compileError(diagnostics: IDiagnostic[]): CompileError {
    const lines = diagnostics.map((d) => `${d.fileName ? `${d.fileName} ` : ''}${d.line + 1}:${d.character + 1} - ${d.messageText}`);
    const first = diagnostics[0];
    return new CompileError(lines.join('\n'), { line: first.line + 1, column: first.character + 1, diagnostics: lines });
  }
}
