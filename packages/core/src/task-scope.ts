/**
 * What a task function uses from the module it was written in, carried with it to a thread or a
 * worker. A notebook's cells are such a module: a helper function or a constant from another cell
 * is a free name of the task's function (or, as TypeScript compiles cells, an `exports.NAME` read).
 * The scope that declared those names (the kernel registers its cells' scope with `setTaskScope`)
 * says what each one is; functions and classes travel as their source, plain data as literals,
 * imports of Node's built-in modules and of taskcell as imports, and each of these recursively with
 * what it uses in turn. Everything else (a live object, a socket, a package a worker may lack) is
 * refused with its name and why, before the task leaves.
 */
import { isBuiltin } from 'node:module';
import type { IDisposable } from './events';
import { freeVariables } from './free-variables';
import type { IFreeVariables } from './free-variables';

/** How a scope declares a name: a value, or an import (`name` is `*` for a namespace, `default`, or the export). */
export type ScopeBinding = { kind: 'value'; value: unknown } | { kind: 'import'; module: string; name: string };

/** The module-level declarations task functions are written against (in the kernel: the notebook's cells). */
export interface ITaskScope {
  /** How `name` is declared, or undefined when it is not a top-level declaration of this scope. */
  lookup(name: string): ScopeBinding | undefined;
}

/** A name that cannot travel, and why (a predicate: "is a live object (a Socket)"). */
export interface IRefusedName {
  name: string;
  reason: string;
}

/** What `carryScope` found: the prelude that declares what the function uses, or what stops it from travelling. */
export type CarriedScope =
  | {
      ok: true;
      /** Declarations of everything the function uses, dependencies first; empty when it uses nothing. */
      prelude: string;
      /** The names the prelude declares. */
      names: string[];
      /** The names declared with a copy of their value (plain data), not with source or an import. */
      frozen: string[];
      /** The packages (neither Node's built-ins nor taskcell) the prelude imports; only with `packages`. */
      packages: string[];
    }
  | {
      ok: false;
      /** Names no scope declares (a cell's local variable, or a variable of the enclosing function). */
      unresolved: string[];
      /** Names a scope declares that cannot travel. */
      refused: IRefusedName[];
    };

/**
 * Make `scope` the one task functions are resolved against; dispose the result to remove it. The
 * scope is kept under a global symbol, so every copy of this package loaded in the process sees it.
 */
export function setTaskScope(scope: ITaskScope): IDisposable {
  const host = globalThis as Record<symbol, ITaskScope | undefined>;
  host[Private.KEY] = scope;
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      if (host[Private.KEY] === scope) host[Private.KEY] = undefined;
    },
    get isDisposed() {
      return done;
    },
  };
}

/** How `carryScope` judges what a function uses. */
export interface ICarryOptions {
  /** Accept imports of npm packages (a bundler will bring them along); by default they are refused. */
  packages?: boolean;
  /** Accept only JSON-able values as data (no Map, Set, Date, typed array, bigint or undefined). */
  json?: boolean;
}

/** What a task function needs to run elsewhere, resolved against the registered scope (see the module comment). */
export function carryScope(fn: (...args: never[]) => unknown, options: ICarryOptions = {}): CarriedScope {
  const fv = freeVariables(fn);
  if (fv.captured.length === 0 && fv.members.length === 0 && fv.requires.length === 0) {
    return { ok: true, prelude: '', names: [], frozen: [], packages: [] };
  }
  const scope = (globalThis as Record<symbol, ITaskScope | undefined>)[Private.KEY];
  const state: Private.IState = {
    scope,
    options,
    seen: new Set(),
    lines: [],
    names: [],
    frozen: [],
    packages: [],
    unresolved: [],
    refused: [],
  };
  Private.visitUses(fv, state);
  if (state.unresolved.length || state.refused.length) return { ok: false, unresolved: state.unresolved.sort(), refused: state.refused };
  const { lines, names, frozen, packages } = state;
  lines.push(`const exports = { ${names.join(', ')} };`);
  return { ok: true, prelude: lines.join('\n'), names, frozen, packages: [...new Set(packages)] };
}

/**
 * The task function from its source and its prelude, on the side where it runs. Both came from a
 * function of the same program through `carryScope`; they are code, not data, by design.
 */
export function reviveFunction(source: string, prelude: string | undefined): (...args: never[]) => unknown {
  const make = new Function('require', '__taskcellImport', `${prelude ?? ''}\nreturn (${source});`) as (
    require: (module: string) => unknown,
    load: (module: string, name: string) => unknown,
  ) => (...args: never[]) => unknown;
  return make(Private.load, Private.importBinding);
}

namespace Private {
  export const KEY = Symbol.for('taskcell.task-scope');

  export interface IState {
    scope: ITaskScope | undefined;
    options: ICarryOptions;
    seen: Set<string>;
    lines: string[];
    names: string[];
    frozen: string[];
    packages: string[];
    unresolved: string[];
    refused: IRefusedName[];
  }

  /** Resolve every name a function (or a function it uses) reads from its module, and check its requires. */
  export function visitUses(fv: IFreeVariables, state: IState): void {
    for (const module of fv.requires) {
      const why = module === null ? 'loads a module whose name is computed' : moduleRefusal(module, '*', `loads "${module}"`, state);
      const name = module === null ? 'require(...)' : `require(${JSON.stringify(module)})`;
      if (why && !state.seen.has(name)) {
        state.seen.add(name);
        state.refused.push({ name, reason: why });
      }
    }
    for (const name of new Set([...fv.captured, ...fv.members])) visit(name, state);
  }

  function visit(name: string, state: IState): void {
    if (state.seen.has(name)) return;
    state.seen.add(name);
    const binding = state.scope?.lookup(name);
    if (!binding) {
      state.unresolved.push(name);
      return;
    }
    if (binding.kind === 'import') {
      const why = moduleRefusal(binding.module, binding.name, `is imported from "${binding.module}"`, state);
      if (why) state.refused.push({ name, reason: why });
      else declare(name, `__taskcellImport(${JSON.stringify(binding.module)}, ${JSON.stringify(binding.name)})`, state);
      return;
    }
    const value = binding.value;
    if (typeof value === 'function') {
      const fv = freeVariables(value as (...args: never[]) => unknown);
      if (!fv.parsed) return void state.refused.push({ name, reason: 'is a native or bound function, which has no source to carry' });
      if (!fv.expression) return void state.refused.push({ name, reason: 'is a method, which cannot travel without its object' });
      visitUses(fv, state);
      declare(name, `(${Function.prototype.toString.call(value)})`, state);
      return;
    }
    const literal = state.options.json ? jsonLiteral(value) : toLiteral(value, '', new Set());
    if (typeof literal !== 'string') return void state.refused.push({ name, reason: literal.reason });
    declare(name, literal, state);
    state.frozen.push(name);
  }

  function declare(name: string, expression: string, state: IState): void {
    state.lines.push(`let ${name} = ${expression};`);
    state.names.push(name);
  }

  /** Why a module cannot be imported where a task runs, or undefined when it can. */
  function moduleRefusal(module: string, name: string, what: string, state: IState): string | undefined {
    if (isBuiltin(module)) return undefined;
    if (module === 'taskcell' || module === '@taskcell/core') {
      if (name === '*' || name === 'default' || name in core()) return undefined;
      return `comes from taskcell's kernel API, which workers do not have (they have taskcell's core)`;
    }
    if (state.options.packages) {
      state.packages.push(module);
      return undefined;
    }
    return `${what}, which a worker may not have: give a worker packages through a task's "module" ("package:export")`;
  }

  /** JSON-able data as a literal (the same text `toLiteral` gives it), or why it is not JSON-able. */
  function jsonLiteral(v: unknown): string | { reason: string } {
    const bad = notJson(v, '', new Set());
    if (bad) return { reason: bad };
    return toLiteral(v, '', new Set());
  }

  function notJson(v: unknown, path: string, stack: Set<object>): string | undefined {
    const at = path ? ` at ${path}` : '';
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return undefined;
    if (typeof v === 'number') return Number.isFinite(v) ? undefined : `holds ${v}${at}, which JSON cannot hold`;
    if (typeof v !== 'object') return `${at ? `holds${at}` : 'is'} a ${typeof v}, which is not JSON-able`;
    if (stack.has(v)) return `refers to itself${at}`;
    const proto = Object.getPrototypeOf(v) as object | null;
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) {
      const ctor = (proto as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      return `${at ? `holds${at}` : 'is'} a ${ctor}, which is not JSON-able: convert it to plain data (an object or an array)`;
    }
    stack.add(v);
    try {
      for (const [k, x] of Object.entries(v)) {
        const bad = notJson(x, Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`, stack);
        if (bad) return bad;
      }
      return undefined;
    } finally {
      stack.delete(v);
    }
  }

  /** Plain data as a JavaScript literal, or why it is not plain data. */
  function toLiteral(v: unknown, path: string, stack: Set<object>): string | { reason: string } {
    const at = path ? ` at ${path}` : '';
    switch (typeof v) {
      case 'undefined':
        return 'undefined';
      case 'boolean':
        return String(v);
      case 'number':
        return Object.is(v, -0) ? '-0' : String(v);
      case 'bigint':
        return `${v}n`;
      case 'string':
        return JSON.stringify(v);
      case 'symbol':
        return { reason: `holds a symbol${at}, which cannot be copied` };
      case 'function':
        return { reason: `holds a function${at}: declare it on its own so it travels as source` };
    }
    if (v === null) return 'null';
    const obj = v as object;
    if (stack.has(obj)) return { reason: `refers to itself${at}` };
    if (obj instanceof Date) return `new Date(${obj.getTime()})`;
    if (obj instanceof RegExp) return String(obj);
    if (ArrayBuffer.isView(obj) && !(obj instanceof DataView)) {
      const typed = obj as unknown as ArrayLike<number | bigint> & { constructor: { name: string } };
      const ctor = typeof Buffer !== 'undefined' && obj instanceof Buffer ? 'Uint8Array' : typed.constructor.name;
      return `new ${ctor}([${Array.from(typed, (x) => (typeof x === 'bigint' ? `${x}n` : String(x))).join(',')}])`;
    }
    stack.add(obj);
    try {
      const parts: string[] = [];
      const each = (entries: Iterable<[string, unknown]>, label: (k: string) => string, wrap: (k: string, lit: string) => string) => {
        for (const [k, x] of entries) {
          const lit = toLiteral(x, `${path}${label(k)}`, stack);
          if (typeof lit !== 'string') return lit;
          parts.push(wrap(k, lit));
        }
        return undefined;
      };
      if (Array.isArray(obj)) {
        const bad = each(
          obj.map((x, i) => [String(i), x] as [string, unknown]),
          (k) => `[${k}]`,
          (_k, lit) => lit,
        );
        return bad ?? `[${parts.join(', ')}]`;
      }
      if (obj instanceof Map || obj instanceof Set) {
        const entries = obj instanceof Map ? [...obj.entries()] : [...obj.values()];
        const bad = each(
          entries.map((x, i) => [String(i), x] as [string, unknown]),
          (k) => `(entry ${k})`,
          (_k, lit) => lit,
        );
        return bad ?? `new ${obj instanceof Map ? 'Map' : 'Set'}([${parts.join(', ')}])`;
      }
      const proto = Object.getPrototypeOf(obj) as object | null;
      if (proto !== Object.prototype && proto !== null) {
        const ctor = (proto as { constructor?: { name?: string } }).constructor?.name;
        return { reason: `${at ? `holds${at}` : 'is'} a live object (${ctor ? `a ${ctor}` : 'not plain data'}), which cannot be copied` };
      }
      const bad = each(
        Object.entries(obj),
        (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`),
        (k, lit) => `${JSON.stringify(k)}: ${lit}`,
      );
      return bad ?? `{ ${parts.join(', ')} }`;
    } finally {
      stack.delete(obj);
    }
  }

  /** This package's exports: what `taskcell` gives a task on a worker. */
  function core(): Record<string, unknown> {
    // Loaded on use: the barrel re-exports this module, so it cannot be imported at the top.
    return require('./index') as Record<string, unknown>;
  }

  export function load(module: string): unknown {
    return module === 'taskcell' || module === '@taskcell/core' ? core() : require(module);
  }

  export function importBinding(module: string, name: string): unknown {
    const m = load(module) as Record<string, unknown> & { __esModule?: boolean };
    if (name === '*') return m;
    if (name === 'default') return m && m.__esModule ? m.default : m;
    return m[name];
  }
}
