import { parse } from 'acorn';
import type { Node } from 'acorn';
import { simple, ancestor } from 'acorn-walk';

/** What `freeVariables` found. */
export interface IFreeVariables {
  /** Names the function uses but neither declares nor gets from the global scope. */
  captured: string[];
  /** False when the source could not be parsed (native or bound functions). */
  parsed: boolean;
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
    if (/\{\s*\[native code\]\s*\}$/.test(src)) return { captured: [], parsed: false };
    let ast: Node | undefined;
    for (const wrapped of [`(${src})`, `({${src}})`, `(class { ${src} })`]) {
      try {
        ast = parse(wrapped, { ecmaVersion: 'latest', sourceType: 'script', allowAwaitOutsideFunction: true });
        break;
      } catch {
        // Try the next wrapping: method shorthand and class methods do not parse as expressions.
      }
    }
    if (!ast) return { captured: [], parsed: false };

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
        used.add(node.name as string);
      },
    });
    const captured = [...used].filter((n) => !declared.has(n) && !(n in globalThis) && !GLOBAL_NAMES.has(n)).sort();
    return { captured, parsed: true };
  }

  /** Names that resolve without capture in a Node.js module or script scope. */
  const GLOBAL_NAMES = new Set(['require', 'module', 'exports', '__dirname', '__filename', 'globalThis']);
}
