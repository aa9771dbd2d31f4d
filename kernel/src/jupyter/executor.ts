import vm from 'node:vm';
import type { Converter, Diagnostic } from 'tslab/dist/converter';
import { CompileError, InterruptedError } from './errors';
import { createCellRequire, loadTypeScript, patchTypeResolution, saveCompilerCode } from './module-resolution';
import type { TypeScriptModule } from './module-resolution';
import { prompt } from '../prompt';

/** What a cell left behind: the value of its last expression, if it ended with one. */
export interface ICellResult {
  hasValue: boolean;
  value?: unknown;
}

/** A completion: candidates replace the text between `start` and `end` (UTF-16 offsets). */
export interface ICompletion {
  start: number;
  end: number;
  candidates: string[];
}

/** `is_complete` in Jupyter's terms. */
export interface IIsComplete {
  status: 'complete' | 'incomplete' | 'invalid';
  indent?: string;
}

/**
 * Compiles cells with tslab's TypeScript converter and runs them in this process with `vm`, so
 * declarations carry from cell to cell and a synchronous loop can be broken by SIGINT
 * (`breakOnSigint`). Asynchronous cells (top-level await) race an interrupt promise.
 */
export class Executor {
  private converter: Converter | undefined;
  private ts: TypeScriptModule | undefined;
  private prevDecl = '';
  private readonly locals: Record<string, unknown>;
  private readonly cellRequire: NodeJS.Require;
  private interruptCurrent: ((err: Error) => void) | undefined;
  private unpatch: (() => void) | undefined;
  private closed = false;
  private codeKept = false;
  private importsOf: { decl: string; names: Map<string, { module: string; name: string }> } | undefined;
  private readonly scope = { lookup: (name: string) => this.lookup(name) };

  constructor(private readonly options: Executor.IOptions) {
    this.locals = Private.createLocals();
    // The cells' declarations, for task functions that travel to threads and workers (core's setTaskScope).
    (globalThis as Record<symbol, unknown>)[Private.TASK_SCOPE] = this.scope;
    // What the compiler knows from the kernel's ambient declarations (Private.GLOBALS) is defined here.
    (globalThis as Record<string, unknown>).prompt = prompt;
    this.cellRequire = createCellRequire(options.cwd);
    (globalThis as Record<symbol, unknown>)[Private.CELL] = { exports: this.locals, require: this.cellRequire };
  }

  /** Load the compiler and build the first program (several hundred ms); later calls do nothing. */
  warm(): void {
    this.conv();
  }

  /** True once the compiler is loaded. */
  get isWarm(): boolean {
    return this.converter !== undefined;
  }

  /**
   * Compile and run a cell. Throws CompileError on type errors, InterruptedError on interrupt,
   * and whatever the cell throws. With `ephemeral`, declarations are not kept (user expressions).
   */
  async execute(src: string, ephemeral = false): Promise<ICellResult> {
    const converted = this.conv().convert(this.prevDecl, this.expandShorthands(src));
    if (!this.codeKept) {
      this.codeKept = true;
      // The compiler's code for the next kernel, with what checking a first cell compiled; after the reply has left.
      setTimeout(saveCompilerCode, 200).unref();
    }
    if (converted.diagnostics.length > 0) throw Private.compileError(converted.diagnostics);
    if (!converted.output) {
      if (!ephemeral) this.prevDecl = converted.declOutput ?? '';
      return { hasValue: false };
    }
    const prefix = converted.hasToplevelAwait ? '(async function (exports, require) { ' : '(function (exports, require) { ';
    const cell = `globalThis[Symbol.for(${JSON.stringify(Private.CELL_KEY)})]`;
    const wrapped = `${prefix}${converted.output}\n})(${cell}.exports, ${cell}.require)`;
    // Declarations carry on even when the cell fails at run time, as variables do in IPython.
    if (!ephemeral) this.prevDecl = converted.declOutput ?? '';
    let ret: unknown;
    try {
      // One name for every cell: V8 then reuses its compiled code when a cell's text runs again.
      ret = vm.runInThisContext(wrapped, { breakOnSigint: true, filename: 'cell' });
    } catch (err) {
      if (!Private.isSigintError(err)) throw err;
      this.options.onSigint?.();
      throw new InterruptedError('Execution was interrupted', {});
    }
    if (converted.hasToplevelAwait) {
      await new Promise<void>((resolve, reject) => {
        this.interruptCurrent = reject;
        (ret as Promise<unknown>).then(() => resolve(), reject);
      }).finally(() => {
        this.interruptCurrent = undefined;
      });
    }
    const name = converted.lastExpressionVar;
    if (name && Object.prototype.hasOwnProperty.call(this.locals, name)) {
      const value = this.locals[name];
      delete this.locals[name];
      return { hasValue: true, value };
    }
    return { hasValue: false };
  }

  /** End an awaiting cell with InterruptedError (synchronous code is broken by SIGINT itself). */
  interrupt(): boolean {
    const stop = this.interruptCurrent;
    if (!stop) return false;
    this.interruptCurrent = undefined;
    stop(new InterruptedError('Execution was interrupted', {}));
    return true;
  }

  /** Completions at `pos` (a UTF-16 offset). */
  complete(src: string, pos: number): ICompletion {
    const info = this.conv().complete(this.prevDecl, src, pos);
    return { start: info.start, end: info.end, candidates: info.candidates };
  }

  /** The type and documentation of what is at `pos`, as text, or undefined. */
  inspect(src: string, pos: number): string | undefined {
    const info = this.conv().inspect(this.prevDecl, src, pos);
    if (!info) return undefined;
    const { printQuickInfo } = require('tslab/dist/inspect') as typeof import('tslab/dist/inspect');
    const text = printQuickInfo(info);
    return text || undefined;
  }

  /** Whether `src` is a whole cell, needs more lines, or cannot parse. */
  isComplete(src: string): IIsComplete {
    const { isCompleteCode } = require('tslab/dist/converter') as typeof import('tslab/dist/converter');
    const r = isCompleteCode(src);
    if (!r.completed) return { status: 'incomplete', indent: r.indent ?? '' };
    const ts = this.typescript();
    const sf = ts.createSourceFile('cell.ts', src, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    const parseDiagnostics = (sf as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics ?? [];
    return { status: parseDiagnostics.length > 0 ? 'invalid' : 'complete' };
  }

  /** The declarations after `src` compiled against `previous` (nothing runs), or undefined when it does not compile. */
  declarations(previous: string, src: string): string | undefined {
    const converted = this.conv().convert(previous, this.expandShorthands(src));
    return converted.diagnostics.length > 0 ? undefined : (converted.declOutput ?? previous);
  }

  /** The TypeScript compiler the cells are compiled with. */
  get compiler(): TypeScriptModule {
    return this.typescript();
  }

  /** Forget every declaration and value. */
  reset(): void {
    this.prevDecl = '';
    for (const k of Object.keys(this.locals)) delete this.locals[k];
  }

  /**
   * How the cells declare `name`: an import (from the cells' declarations), a value (from their
   * locals), or undefined when no cell declares it at the top level.
   */
  lookup(name: string): { kind: 'import'; module: string; name: string } | { kind: 'value'; value: unknown } | undefined {
    const imported = this.imports().get(name);
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
    this.converter?.close();
    this.unpatch?.();
  }

  /**
   * `src` with each shorthand property that names an earlier cell's declaration written out
   * (`{ xs }` as `{ xs: xs }`). tslab's converter reads such a name from the earlier cells' exports
   * when it stands alone but leaves a shorthand property as it is, which would then throw
   * `xs is not defined`. Both forms mean the same, and only those lines gain columns.
   */
  private expandShorthands(src: string): string {
    if (!src.includes('{')) return src;
    const earlier = (name: string): boolean => this.lookup(name) !== undefined;
    const ts = this.typescript();
    const sf = ts.createSourceFile('cell.ts', src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const at: Array<{ end: number; name: string }> = [];
    const visit = (node: Parameters<typeof ts.forEachChild>[0]): void => {
      if (ts.isShorthandPropertyAssignment(node) && earlier(node.name.text)) at.push({ end: node.name.end, name: node.name.text });
      ts.forEachChild(node, visit);
    };
    visit(sf);
    let out = src;
    for (const { end, name } of at.sort((a, b) => b.end - a.end)) out = `${out.slice(0, end)}: ${name}${out.slice(end)}`;
    return out;
  }

  /** The names the cells import, with their module and export (`*` for a namespace), read from the cells' declarations. */
  private imports(): Map<string, { module: string; name: string }> {
    if (this.importsOf?.decl === this.prevDecl) return this.importsOf.names;
    const names = new Map<string, { module: string; name: string }>();
    if (this.prevDecl.includes('import')) {
      const ts = this.typescript();
      const sf = ts.createSourceFile('declarations.ts', this.prevDecl, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
      for (const st of sf.statements) {
        if (ts.isImportDeclaration(st) && st.importClause && !st.importClause.isTypeOnly && ts.isStringLiteral(st.moduleSpecifier)) {
          const module = st.moduleSpecifier.text;
          const clause = st.importClause;
          if (clause.name) names.set(clause.name.text, { module, name: 'default' });
          const bindings = clause.namedBindings;
          if (bindings && ts.isNamespaceImport(bindings)) names.set(bindings.name.text, { module, name: '*' });
          else if (bindings) {
            for (const el of bindings.elements)
              if (!el.isTypeOnly) names.set(el.name.text, { module, name: (el.propertyName ?? el.name).text });
          }
        } else if (
          ts.isImportEqualsDeclaration(st) &&
          ts.isExternalModuleReference(st.moduleReference) &&
          ts.isStringLiteral(st.moduleReference.expression)
        ) {
          names.set(st.name.text, { module: st.moduleReference.expression.text, name: '*' });
        }
      }
    }
    this.importsOf = { decl: this.prevDecl, names };
    return names;
  }

  private typescript(): TypeScriptModule {
    return (this.ts ??= loadTypeScript());
  }

  private conv(): Converter {
    if (!this.converter) {
      const ts = this.typescript();
      this.unpatch = patchTypeResolution(ts, this.options.cwd);
      const { createConverter } = require('tslab/dist/converter') as typeof import('tslab/dist/converter');
      this.converter = createConverter({ isJS: false, isBrowser: false });
      // A file of the program that never changes, so each cell's declarations stay the cells' own.
      this.converter.addModule(Private.GLOBALS_MODULE, Private.GLOBALS);
    }
    return this.converter;
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
  }
}

namespace Private {
  export const CELL_KEY = 'taskcell.cell';

  /**
   * What the kernel defines for every cell, declared once in a module of the compiled program
   * (as the browser's `prompt`); the Executor defines it on `globalThis`.
   */
  export const GLOBALS = 'declare global {\n  function prompt(message?: string, defaultValue?: string): string | null;\n}\nexport {};\n';
  /** The name of that module (a file beside the notebook's cells that exists only in the compiler). */
  export const GLOBALS_MODULE = '__taskcell_globals__';
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

  export function compileError(diagnostics: Diagnostic[]): CompileError {
    const lines = diagnostics.map(
      (d) => `${d.fileName ? `${d.fileName} ` : ''}${d.start.line + 1}:${d.start.character + 1} - ${d.messageText}`,
    );
    const first = diagnostics[0];
    return new CompileError(lines.join('\n'), { line: first.start.line + 1, column: first.start.character + 1, diagnostics: lines });
  }
}
