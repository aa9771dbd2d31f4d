/**
 * Promote a notebook cell to a task: the names the cell reads that earlier cells declare as values
 * become typed input ports (their TypeScript types mapped to port types), the names it declares that
 * later cells read become output ports, and the cell's code becomes the body of
 * `const NAME = task({...}, ({inputs}) => {...; return {outputs};})`. Helpers (functions, classes)
 * and imports of earlier cells stay what they are: the task calls them, and they travel with it.
 * Nothing is executed: the cells are only compiled, for their declarations.
 */
import type * as TS from '@tslab/typescript-for-tslab';

/** What the frontend asks: the cell, the code cells before and after it, and optionally the task's name. */
export interface IPromoteRequest {
  cell: string;
  before: string[];
  after: string[];
  name?: string;
}

/** The task made of the cell. */
export interface IPromoted {
  name: string;
  /** The new cell's code. */
  code: string;
  /** Input and output ports by name, each a port declaration (`number_list`, `table:objectlist`...). */
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  /** Ports whose TypeScript type has no port type; declared `python` (any value), to be checked. */
  unclear: Record<string, string>;
}

/** Compiles a cell against earlier declarations, giving the declarations after it (undefined when it does not compile). */
export type DeclareCell = (previous: string, cell: string) => Promise<string | undefined>;

/** Make the task of `request.cell`; see the module comment. */
export async function promoteCell(request: IPromoteRequest, declare: DeclareCell, ts: typeof TS): Promise<IPromoted> {
  let earlier = '';
  for (const c of request.before) earlier = (await declare(earlier, c)) ?? earlier;
  const known = Private.declarations(ts, earlier);
  const own = Private.topLevelNames(ts, request.cell);
  const after = await declare(earlier, request.cell);
  const mine = after === undefined ? new Map<string, Private.IDecl>() : Private.declarations(ts, after);
  const used = Private.identifiers(ts, request.cell);
  const usedLater = new Set(request.after.flatMap((c) => [...Private.identifiers(ts, c)]));

  const inputs: Record<string, string> = {};
  const outputs: Record<string, string> = {};
  const unclear: Record<string, string> = {};
  for (const name of used) {
    const d = known.get(name);
    if (!d || d.kind !== 'value' || own.has(name)) continue;
    inputs[name] = Private.portType(d.type, name, unclear);
  }
  for (const name of own) {
    if (!usedLater.has(name)) continue;
    const d = mine.get(name);
    if (!d || d.kind !== 'value') continue;
    outputs[name] = Private.portType(d.type, name, unclear);
  }
  const name = request.name ?? `${Object.keys(outputs)[0] ?? 'cell'}Task`;
  return { name, code: Private.code(name, request.cell, inputs, outputs, unclear), inputs, outputs, unclear };
}

namespace Private {
  export interface IDecl {
    kind: 'value' | 'helper';
    /** The declared type's text (or the literal's kind: `string`, `number`, `boolean`). */
    type: string;
  }

  /** Top-level declarations of a declaration file: variables as values (with their type), the rest as helpers. */
  export function declarations(ts: typeof TS, text: string): Map<string, IDecl> {
    const out = new Map<string, IDecl>();
    const sf = ts.createSourceFile('decl.d.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    for (const st of sf.statements) {
      if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) {
          if (!ts.isIdentifier(d.name)) continue;
          let type = d.type?.getText(sf) ?? 'unknown';
          const init = d.initializer;
          if (!d.type && init) {
            if (ts.isStringLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init)) type = 'string';
            else if (ts.isNumericLiteral(init) || ts.isPrefixUnaryExpression(init)) type = 'number';
            else if (init.kind === ts.SyntaxKind.TrueKeyword || init.kind === ts.SyntaxKind.FalseKeyword) type = 'boolean';
          }
          // A variable holding a function is a helper, called by the task, not data passed to it.
          out.set(d.name.text, { kind: /=>/.test(type) ? 'helper' : 'value', type });
        }
      } else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) {
        out.set(st.name.text, { kind: 'helper', type: '' });
      } else if (ts.isImportDeclaration(st) || ts.isImportEqualsDeclaration(st)) {
        for (const n of importedNames(ts, st)) out.set(n, { kind: 'helper', type: '' });
      }
    }
    return out;
  }

  function importedNames(ts: typeof TS, st: TS.ImportDeclaration | TS.ImportEqualsDeclaration): string[] {
    if (ts.isImportEqualsDeclaration(st)) return [st.name.text];
    const c = st.importClause;
    if (!c) return [];
    const names = c.name ? [c.name.text] : [];
    const b = c.namedBindings;
    if (b && ts.isNamespaceImport(b)) names.push(b.name.text);
    else if (b) for (const el of b.elements) names.push(el.name.text);
    return names;
  }

  /** Names a cell declares at its top level. */
  export function topLevelNames(ts: typeof TS, cell: string): Set<string> {
    const sf = ts.createSourceFile('cell.ts', cell, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const names = new Set<string>();
    for (const st of sf.statements) {
      if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
      } else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) names.add(st.name.text);
    }
    return names;
  }

  /** Names a cell reads: identifiers that are not a property's name after a dot or in an object literal's key. */
  export function identifiers(ts: typeof TS, cell: string): Set<string> {
    const sf = ts.createSourceFile('cell.ts', cell, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const names = new Set<string>();
    const visit = (node: TS.Node): void => {
      if (ts.isIdentifier(node)) {
        const p = node.parent;
        const isMemberName = (ts.isPropertyAccessExpression(p) && p.name === node) || (ts.isPropertyAssignment(p) && p.name === node);
        if (!isMemberName) names.add(node.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
    return names;
  }

  /** A TypeScript type's port type; unclear ones are noted and declared `python` (any value). */
  export function portType(type: string, name: string, unclear: Record<string, string>): string {
    const t = type.replace(/\s+/g, ' ').trim();
    if (t === 'number' || t === 'string' || t === 'boolean') return t;
    if (/^\d+$/.test(t) || /^-?\d*\.\d+$/.test(t)) return 'number';
    if (/^(".*"|'.*')$/.test(t)) return 'string';
    if (/^(number\[\]|Array<number>|readonly number\[\])$/.test(t)) return 'number_list';
    if (/^(string\[\]|Array<string>|readonly string\[\])$/.test(t)) return 'string_list';
    if (/^\{.*\}\[\]$/.test(t) || /^Array<\{.*\}>$/.test(t) || /^Record<string, (unknown|string|number|boolean)>\[\]$/.test(t))
      return 'table:objectlist';
    unclear[name] = t;
    return 'python';
  }

  /** The task cell: the cell's code as the body of a task function that returns its outputs. */
  export function code(
    name: string,
    cell: string,
    inputs: Record<string, string>,
    outputs: Record<string, string>,
    unclear: Record<string, string>,
  ): string {
    const ports = (p: Record<string, string>) =>
      `{ ${Object.entries(p)
        .map(([k, v]) => `${k}: '${v}'`)
        .join(', ')} }`;
    const isAsync = /\bawait\b/.test(cell);
    const body = cell
      .replace(/\s+$/, '')
      .split('\n')
      .map((l) => (l ? `    ${l}` : l))
      .join('\n');
    const notes = Object.entries(unclear).map(
      ([n, t]) => `// Port "${n}" has the TypeScript type ${t}, which has no port type: check its declaration.\n`,
    );
    return [
      ...notes,
      `const ${name} = task(\n`,
      `  { name: '${name}', inputs: ${ports(inputs)}, outputs: ${ports(outputs)} },\n`,
      `  ${isAsync ? 'async ' : ''}({ ${Object.keys(inputs).join(', ')} }) => {\n`,
      `${body}\n`,
      `    return { ${Object.keys(outputs).join(', ')} };\n`,
      '  },\n',
      ');',
    ].join('');
  }
}
