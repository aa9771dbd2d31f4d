/**
 * The compile service: tslab's TypeScript converter behind a small message API, so it can run in
 * the kernel's own process (the `taskcell export` command) or in a compiler process of its own
 * (the kernel, see client.ts) that may start from a V8 startup snapshot (snapshot-entry.ts).
 * Nothing here runs a cell; it only compiles, completes and inspects.
 */
import type { Converter, Diagnostic } from 'tslab/dist/converter';
import type { TypeScriptModule } from './type-resolution';

/** What compiling a cell gave. */
export interface IConverted {
  /** The cell as CommonJS, when it compiled and has code to run. */
  output?: string;
  /** The declarations after the cell, when it compiled. */
  declOutput?: string;
  /** Type and syntax errors; when there are any, nothing else is set. */
  diagnostics: IDiagnostic[];
  hasToplevelAwait?: boolean;
  /** The local the cell's last expression is stored in, if it ended with one. */
  lastExpressionVar?: string;
  /** The names the declarations after the cell import (from `declOutput`), with their module and export. */
  imports?: IImport[];
}

/** One diagnostic, zero-based line and column. */
export interface IDiagnostic {
  fileName?: string;
  line: number;
  character: number;
  messageText: string;
}

/** A name the cells import: from `module`, its export `name` (`default`, or `*` for a namespace). */
export interface IImport {
  local: string;
  module: string;
  name: string;
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

/** The requests a compile service answers, by name: arguments and result. */
export interface ICompileApi {
  convert(prevDecl: string, src: string, locals: string[]): IConverted;
  complete(prevDecl: string, src: string, pos: number): ICompletion;
  inspect(prevDecl: string, src: string, pos: number): string | undefined;
  isComplete(src: string): IIsComplete;
}

/** What tslab's converter module offers (loaded by the caller, so a bundle can carry its own copy). */
export interface ITslab {
  createConverter: typeof import('tslab/dist/converter').createConverter;
  isCompleteCode: typeof import('tslab/dist/converter').isCompleteCode;
  printQuickInfo: typeof import('tslab/dist/inspect').printQuickInfo;
}

/** A module of the program that never changes: what the kernel defines for every cell (the Executor defines it on `globalThis`). */
export const GLOBALS_MODULE = '__taskcell_globals__';
const GLOBALS = 'declare global {\n  function prompt(message?: string, defaultValue?: string): string | null;\n}\nexport {};\n';

/**
 * Compiles cells against the declarations of earlier ones. The converter (several hundred ms to
 * build: it parses and binds the lib files and @types/node) is made on the first request, or
 * ahead of it with `warm()`.
 */
export class CompileService implements ICompileApi {
  private converter: Converter | undefined;

  /** `ts` must be the instance tslab's converter uses, with its `sys` already patched for the notebook's directory. */
  constructor(
    private readonly ts: TypeScriptModule,
    private readonly tslab: ITslab,
  ) {}

  /** Build the converter now; later calls do nothing. */
  warm(): void {
    this.conv();
  }

  convert(prevDecl: string, src: string, locals: string[]): IConverted {
    const expanded = this.expandShorthands(src, prevDecl, new Set(locals));
    const r = this.conv().convert(prevDecl, expanded);
    if (r.diagnostics.length > 0) return { diagnostics: r.diagnostics.map(Private.diagnostic) };
    const converted: IConverted = { diagnostics: [], output: r.output, declOutput: r.declOutput };
    if (r.hasToplevelAwait) converted.hasToplevelAwait = true;
    if (r.lastExpressionVar) converted.lastExpressionVar = r.lastExpressionVar;
    const imports = this.imports(r.declOutput ?? '');
    if (imports.length > 0) converted.imports = imports;
    return converted;
  }

  complete(prevDecl: string, src: string, pos: number): ICompletion {
    const info = this.conv().complete(prevDecl, src, pos);
    return { start: info.start, end: info.end, candidates: info.candidates };
  }

  inspect(prevDecl: string, src: string, pos: number): string | undefined {
    const info = this.conv().inspect(prevDecl, src, pos);
    if (!info) return undefined;
    return this.tslab.printQuickInfo(info) || undefined;
  }

  isComplete(src: string): IIsComplete {
    const r = this.tslab.isCompleteCode(src);
    if (!r.completed) return { status: 'incomplete', indent: r.indent ?? '' };
    const ts = this.ts;
    const sf = ts.createSourceFile('cell.ts', src, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    const parseDiagnostics = (sf as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics ?? [];
    return { status: parseDiagnostics.length > 0 ? 'invalid' : 'complete' };
  }

  /** Release the converter and its file watchers. */
  close(): void {
    this.converter?.close();
    this.converter = undefined;
  }

  /**
   * `src` with each shorthand property that names an earlier cell's declaration written out
   * (`{ xs }` as `{ xs: xs }`). tslab's converter reads such a name from the earlier cells' exports
   * when it stands alone but leaves a shorthand property as it is, which would then throw
   * `xs is not defined`. Both forms mean the same, and only those lines gain columns. Earlier
   * declarations are the cells' values (`locals`) and their imports.
   */
  private expandShorthands(src: string, prevDecl: string, locals: Set<string>): string {
    if (!src.includes('{')) return src;
    const ts = this.ts;
    let imported: Set<string> | undefined;
    const earlier = (name: string): boolean =>
      locals.has(name) || (imported ??= new Set(this.imports(prevDecl).map((i) => i.local))).has(name);
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

  /** The names `decl` (the cells' declarations) imports, with their module and export. */
  private imports(decl: string): IImport[] {
    const names: IImport[] = [];
    if (!decl.includes('import')) return names;
    const ts = this.ts;
    const sf = ts.createSourceFile('declarations.ts', decl, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    for (const st of sf.statements) {
      if (ts.isImportDeclaration(st) && st.importClause && !st.importClause.isTypeOnly && ts.isStringLiteral(st.moduleSpecifier)) {
        const module = st.moduleSpecifier.text;
        const clause = st.importClause;
        if (clause.name) names.push({ local: clause.name.text, module, name: 'default' });
        const bindings = clause.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings)) names.push({ local: bindings.name.text, module, name: '*' });
        else if (bindings) {
          for (const el of bindings.elements)
            if (!el.isTypeOnly) names.push({ local: el.name.text, module, name: (el.propertyName ?? el.name).text });
        }
      } else if (
        ts.isImportEqualsDeclaration(st) &&
        ts.isExternalModuleReference(st.moduleReference) &&
        ts.isStringLiteral(st.moduleReference.expression)
      ) {
        names.push({ local: st.name.text, module: st.moduleReference.expression.text, name: '*' });
      }
    }
    return names;
  }

  private conv(): Converter {
    if (!this.converter) {
      this.converter = this.tslab.createConverter({ isJS: false, isBrowser: false });
      // A file of the program that never changes, so each cell's declarations stay the cells' own.
      this.converter.addModule(GLOBALS_MODULE, GLOBALS);
    }
    return this.converter;
  }
}

namespace Private {
  export function diagnostic(d: Diagnostic): IDiagnostic {
    const out: IDiagnostic = { line: d.start.line, character: d.start.character, messageText: d.messageText };
    if (d.fileName) out.fileName = d.fileName;
    return out;
  }
}
