import { parse } from 'acorn';
import type { Node } from 'acorn';
import { simple, ancestor } from 'acorn-walk';

/** What `freeVariables` found. */
export interface IFreeVariables {
  /** Names the function uses but neither declares nor gets from the global scope. */
  captured: string[];
  /** False when the source could not be parsed (native or bound functions). */
  parsed: boolean;
  /**
   * Names read as `exports.NAME` while `exports` itself is not declared: how TypeScript's CommonJS
   * output refers to another module-level declaration (a notebook compiles each cell that way).
   */
  members: string[];
  /** The module of each `require(...)` call when `require` is not declared; `null` for a computed one. */
  requires: Array<string | null>;
  /** True when the source is an expression (a function or class); false for a method's shorthand. */
  expression: boolean;
}

const memo = new WeakMap<object, IFreeVariables>();

/**
 * The names a function captures from the scope it was defined in: identifiers it reads that are not
 * its parameters, not declared inside it, and not globals. A task that captures nothing depends only
 * on its inputs, so its results can be cached and it can run on another thread or machine.
 */
export function freeVariables(fn: (...args: never[]) => unknown): IFreeVariables {
  const hit = memo.get(fn);
  if (hit) return hit;
  const result = Private.analyse(Function.prototype.toString.call(fn));
  memo.set(fn, result);
  return result;
}

namespace Private {
  type AnyNode = Node & Record<string, unknown>;
  const N = (n: unknown) => n as AnyNode;

  export function analyse(src: string): IFreeVariables {
    const none = { captured: [], parsed: false, members: [], requires: [], expression: false };
    if (/\{\s*\[native code\]\s*\}$/.test(src)) return none;
    let ast: Node | undefined;
    let expression = false;
    for (const wrapped of [`(${src})`, `({${src}})`, `(class { ${src} })`]) {
      try {
        ast = parse(wrapped, { ecmaVersion: 'latest', sourceType: 'script', allowAwaitOutsideFunction: true });
        expression = wrapped === `(${src})`;
        break;
      } catch {
        // Try the next wrapping: method shorthand and class methods do not parse as expressions.
      }
    }
    if (!ast) return none;

    const declared = new Set<string>(['arguments', 'this', 'undefined']);
    const addPattern = (p: AnyNode | null | undefined): void => {
      if (!p) return;
      switch (p.type) {
        case 'Identifier':
          declared.add(p.name as string);
          break;
        case 'ObjectPattern':
          for (const prop of p.properties as AnyNode[]) addPattern((prop.type === 'RestElement' ? prop.argument : prop.value) as AnyNode);
          break;
        case 'ArrayPattern':
          for (const el of p.elements as AnyNode[]) addPattern(el);
          break;
        case 'RestElement':
          addPattern(p.argument as AnyNode);
          break;
        case 'AssignmentPattern':
          addPattern(p.left as AnyNode);
          break;
      }
    };
    const fnNode = (n: AnyNode) => {
      for (const p of n.params as AnyNode[]) addPattern(p);
      if (n.id) addPattern(n.id as AnyNode);
    };
    simple(ast, {
      VariableDeclarator: (n) => addPattern(N(n).id as AnyNode),
      FunctionDeclaration: (n) => fnNode(N(n)),
      FunctionExpression: (n) => fnNode(N(n)),
      ArrowFunctionExpression: (n) => fnNode(N(n)),
      ClassDeclaration: (n) => addPattern(N(n).id as AnyNode),
      ClassExpression: (n) => addPattern(N(n).id as AnyNode),
      CatchClause: (n) => addPattern(N(n).param as AnyNode),
      ImportSpecifier: (n) => addPattern(N(n).local as AnyNode),
    });

    const used = new Set<string>();
    const members = new Set<string>();
    const requires: Array<string | null> = [];
    ancestor(ast, {
      Identifier(n, _state, ancestors) {
        const node = N(n);
        const parent = ancestors[ancestors.length - 2] as AnyNode | undefined;
        if (parent) {
          if (
            (parent.type === 'MemberExpression' || parent.type === 'OptionalMemberExpression') &&
            parent.property === node &&
            !parent.computed
          )
            return;
          if (
            (parent.type === 'Property' || parent.type === 'MethodDefinition' || parent.type === 'PropertyDefinition') &&
            parent.key === node &&
            !parent.computed
          ) {
            if (!(parent.type === 'Property' && parent.shorthand && parent.value === node)) return;
          }
          if (parent.type === 'LabeledStatement' || parent.type === 'BreakStatement' || parent.type === 'ContinueStatement') return;
          if (parent.type === 'MetaProperty') return;
        }
        if (parent && !declared.has(node.name as string)) moduleUse(node, parent, members, requires);
        used.add(node.name as string);
      },
    });
    const captured = [...used].filter((n) => !declared.has(n) && !(n in globalThis) && !GLOBAL_NAMES.has(n)).sort();
    return { captured, parsed: true, members: [...members].sort(), requires, expression };
  }

  /**
   * Note `exports.NAME` reads and `require(...)` calls of an undeclared `exports` or `require`. Any
   * other use of `exports` notes `exports` itself, which no scope declares, so it is refused.
   */
  export function moduleUse(node: AnyNode, parent: AnyNode, members: Set<string>, requires: Array<string | null>): void {
    if (node.name === 'exports') {
      const prop = parent.type === 'MemberExpression' && parent.object === node ? (parent.property as AnyNode) : undefined;
      if (prop && !parent.computed && prop.type === 'Identifier') members.add(prop.name as string);
      else if (prop?.type === 'Literal' && typeof prop.value === 'string') members.add(prop.value);
      else members.add('exports');
    } else if (node.name === 'require') {
      const arg = parent.type === 'CallExpression' && parent.callee === node ? (parent.arguments as AnyNode[])[0] : undefined;
      requires.push(arg?.type === 'Literal' && typeof arg.value === 'string' ? arg.value : null);
    }
  }

  /** Names that resolve without capture in a Node.js module or script scope. */
  const GLOBAL_NAMES = new Set(['require', 'module', 'exports', '__dirname', '__filename', 'globalThis']);
}
