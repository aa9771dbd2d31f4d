import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as pathModule from 'node:path';
import { join } from 'node:path';
import vm from 'node:vm';
import { isMainThread } from 'node:worker_threads';
import { parse } from 'acorn';
import { carriedCodeId, codeId } from '../cache/task-key';
import { CanceledError, SpecError, TaskError } from '../errors';
import { freeVariables } from '../free-variables';
import { carryScope } from '../task-scope';
import { hasDeadline, isolated, stoppable } from '../watchdog';
import { sigintBreaksTasks } from './sigint';
import type { Job } from '../job';
import type { ITaskSpec } from '../spec';
import type { CacheIdentity, IMode } from './registry';
import { isBundleRef, loadBundle } from './bundles';

type Compiled = (...args: unknown[]) => Promise<Record<string, unknown>>;

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => Compiled;
const IDENT = /^[A-Za-z_$][\w$]*$/;
const compiled = new Map<string, { fn: Compiled; params: string[]; usesTempdir: boolean }>();

/**
 * `javascript`: a task body is a function `(inputs, context) => outputs`, or a script string run
 * the way Girder Worker runs Python scripts: each input is a variable, and each output is read back
 * from the script's scope when it ends (`b = a ** 2`). Scripts may `await`, and see `progress`,
 * `log`, `console` (into the job log), `require`, `fs`, `path`, `inputs`, `ctx` and `_tempdir`.
 */
export const javascriptMode: IMode = {
  name: 'javascript',

  check(task) {
    if (typeof task.source.module === 'string' && !task.fn) {
      // A bundle is an ES module, loaded (asynchronously) when the task runs.
      if (!isBundleRef(task.source.module)) Private.moduleExport(task);
      return;
    }
    if (!task.fn && task.script === undefined) {
      throw new SpecError(
        `Task "${task.name ?? '(unnamed)'}" in mode javascript needs a function, a "script" or a "module" ("package:export")`,
        {
          task: task.name,
          path: 'script',
        },
      );
    }
    if (task.script !== undefined) Private.compile(task);
  },

  execute(task, inputs, { job }) {
    if (!task.fn && typeof task.source.module === 'string' && isBundleRef(task.source.module)) {
      return loadBundle(task).then((body) => Private.callBody(task, body, inputs, job));
    }
    const body = task.fn ?? (typeof task.source.module === 'string' ? Private.moduleExport(task) : undefined);
    if (body) return Private.callBody(task, body, inputs, job);
    const { fn, params, usesTempdir } = Private.compile(task);
    const args = params.map((p) => (p === '_tempdir' && !usesTempdir ? undefined : Private.argument(p, inputs, job)));
    return Private.breakable(task, () => fn(...args));
  },

  cacheIdentity(task): CacheIdentity {
    // A task that came from the wire or from an exported bundle says what its code is.
    const carried = carriedCodeId(task);
    if (carried !== undefined) return { code: carried };
    if (typeof task.source.module === 'string' && !task.fn) return { code: `module:${task.source.module}` };
    if (task.fn) {
      const fv = freeVariables(task.fn);
      if (!fv.parsed) return { skip: 'the task function has no readable source' };
      // What it uses from its module (other cells) is part of its code: the key changes when they do.
      // Packages it imports count by name, as an exported bundle of it records them.
      const carried = carryScope(task.fn, { packages: true });
      if (!carried.ok) {
        const names = [...carried.unresolved, ...carried.refused.map((r) => r.name)];
        return { skip: `the task function captures ${names.join(', ')} from its scope`, volatile: carried.refused.length > 0 };
      }
      const code = codeId(Function.prototype.toString.call(task.fn), carried.prelude);
      return carried.prelude ? { code, volatile: true } : { code };
    }
    return { code: task.script ?? '' };
  },
};

namespace Private {
  const CALL = Symbol.for('taskcell.javascript.call');
  let caller: vm.Script | undefined;
  /** The global object of the context scripts run in (not this module's own where a host such as jest gives it another). */
  let scriptGlobal: Record<symbol, unknown> | undefined;

  /**
   * Call a task's body so that Ctrl-C (SIGINT) breaks its synchronous part on the main thread, where
   * a blocked event loop would never run the process's SIGINT listeners: it ends as a CanceledError.
   * Pool threads are stopped by their owner instead.
   */
  export function breakable<T>(task: ITaskSpec, call: () => T): T | Promise<Awaited<T>> {
    if (!isMainThread) return call();
    // Under a deadline the body starts alone, so that stopping it (see armDeadline) drops only its own promise callbacks.
    return hasDeadline() ? isolated(() => interruptible(task, call)) : interruptible(task, call);
  }

  function interruptible<T>(task: ITaskSpec, call: () => T): T {
    if (!sigintBreaksTasks.enabled) return call();
    caller ??= new vm.Script(`globalThis[Symbol.for(${JSON.stringify(CALL.description)})]()`, { filename: 'taskcell-task' });
    const script = caller;
    const slot = (scriptGlobal ??= vm.runInThisContext('globalThis') as Record<symbol, unknown>);
    slot[CALL] = call;
    try {
      return stoppable(() => script.runInThisContext({ breakOnSigint: true }) as T);
    } catch (err) {
      if ((err as NodeJS.ErrnoException)?.code !== 'ERR_SCRIPT_EXECUTION_INTERRUPTED') throw err;
      for (const seen of sigintBreaksTasks.onBreak) seen();
      throw new CanceledError(`Task "${task.name ?? '(unnamed)'}" was interrupted (SIGINT)`, { task: task.name });
    } finally {
      slot[CALL] = undefined;
    }
  }

  /** Call a task function with its inputs and context; its return value as an outputs map. */
  export function callBody(task: ITaskSpec, body: (...args: never[]) => unknown, inputs: Record<string, unknown>, job: Job): unknown {
    const out = breakable(task, () => (body as unknown as (i: unknown, c: unknown) => unknown)(inputs, job));
    return typeof (out as Promise<unknown>)?.then === 'function' ? (out as Promise<unknown>).then((v) => shape(task, v)) : shape(task, out);
  }

  const modules = new Map<string, (...args: never[]) => unknown>();

  /**
   * The function a `module` field names: `"package:export"` (or `"./file.js:export"`, resolved from
   * the working directory), as installed where the task runs (a worker, for remote pools).
   */
  export function moduleExport(task: ITaskSpec): (...args: never[]) => unknown {
    const ref = task.source.module as string;
    const hit = modules.get(ref);
    if (hit) return hit;
    const i = ref.lastIndexOf(':');
    const [mod, name] = i > 0 ? [ref.slice(0, i), ref.slice(i + 1)] : [ref, 'default'];
    let exported: unknown;
    try {
      exported = (createRequire(join(process.cwd(), 'taskcell-module.js'))(mod) as Record<string, unknown>)[name];
    } catch (err) {
      throw new SpecError(`Task "${task.name ?? '(unnamed)'}": cannot load module "${mod}": ${(err as Error).message}`, {
        task: task.name,
        path: 'module',
      });
    }
    if (typeof exported !== 'function') {
      throw new SpecError(`Task "${task.name ?? '(unnamed)'}": module "${mod}" has no function export "${name}" (got ${typeof exported})`, {
        task: task.name,
        path: 'module',
      });
    }
    modules.set(ref, exported as (...args: never[]) => unknown);
    return exported as (...args: never[]) => unknown;
  }

  const RESERVED = ['inputs', 'ctx', 'progress', 'log', 'console', 'require', 'fs', 'path', '_tempdir'];

  /** A function's return value as an outputs map: an object naming every output, or the single output's value. */
  export function shape(task: ITaskSpec, value: unknown): Record<string, unknown> {
    const outs = task.outputs;
    if (
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      outs.length > 0 &&
      outs.every((p) => p.id in (value as object))
    ) {
      return value as Record<string, unknown>;
    }
    if (outs.length === 1) return { [outs[0].id]: value };
    if (outs.length === 0) return {};
    return (value ?? {}) as Record<string, unknown>;
  }

  export function argument(name: string, inputs: Record<string, unknown>, job: Job): unknown {
    switch (name) {
      case 'inputs':
        return inputs;
      case 'ctx':
        return job;
      case 'progress':
        return job.progress.bind(job);
      case 'log':
        return job.log.bind(job);
      case 'console':
        return scriptConsole(job);
      case 'require':
        return createRequire(join(process.cwd(), 'taskcell-script.js'));
      case 'fs':
        return fs;
      case 'path':
        return pathModule;
      case '_tempdir':
        return job.tempdir;
      default:
        return inputs[name];
    }
  }

  function scriptConsole(job: Job): Pick<Console, 'log' | 'info' | 'warn' | 'error' | 'debug'> {
    const write = (stream: 'stdout' | 'stderr', args: unknown[]) => {
      const line = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
      job.writeLog(stream, line);
      (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`);
    };
    return {
      log: (...a: unknown[]) => write('stdout', a),
      info: (...a: unknown[]) => write('stdout', a),
      debug: (...a: unknown[]) => write('stdout', a),
      warn: (...a: unknown[]) => write('stderr', a),
      error: (...a: unknown[]) => write('stderr', a),
    };
  }

  /** Names the script declares at its top level (so they are not declared again). */
  function topLevelDeclared(script: string, task: ITaskSpec): Set<string> {
    let ast;
    try {
      ast = parse(script, {
        ecmaVersion: 'latest',
        sourceType: 'script',
        allowAwaitOutsideFunction: true,
        allowReturnOutsideFunction: true,
      });
    } catch (err) {
      const e = err as SyntaxError & { loc?: { line: number; column: number } };
      throw new TaskError(`Script of task "${task.name ?? '(unnamed)'}" does not parse: ${e.message}`, {
        task: task.name,
        line: e.loc?.line,
        column: e.loc?.column !== undefined ? e.loc.column + 1 : undefined,
      });
    }
    const names = new Set<string>();
    for (const st of ast.body) {
      if (st.type === 'VariableDeclaration') {
        for (const d of st.declarations) if (d.id.type === 'Identifier') names.add(d.id.name);
      } else if ((st.type === 'FunctionDeclaration' || st.type === 'ClassDeclaration') && st.id) {
        names.add(st.id.name);
      }
    }
    return names;
  }

  export function compile(task: ITaskSpec): { fn: Compiled; params: string[]; usesTempdir: boolean } {
    const script = task.script ?? '';
    const inputIds = task.inputs.map((p) => p.id).filter((id) => IDENT.test(id) && !RESERVED.includes(id));
    const outputIds = task.outputs.map((p) => p.id).filter((id) => IDENT.test(id));
    const key = `${inputIds.join(',')}|${outputIds.join(',')}|${script}`;
    const hit = compiled.get(key);
    if (hit) return hit;
    const declared = topLevelDeclared(script, task);
    const params = [...inputIds, ...RESERVED];
    const predeclare = outputIds.filter((id) => !params.includes(id) && !declared.has(id));
    const ret = outputIds.map((id) => `${JSON.stringify(id)}: typeof ${id} === 'undefined' ? undefined : ${id}`).join(', ');
    const body = `${predeclare.length ? `let ${predeclare.join(', ')};\n` : ''}${script}\n;return { ${ret} };`;
    let fn: Compiled;
    try {
      fn = new AsyncFunction(...params, body);
    } catch (err) {
      throw new TaskError(`Script of task "${task.name ?? '(unnamed)'}" does not compile: ${(err as Error).message}`, { task: task.name });
    }
    const entry = { fn, params, usesTempdir: /\b_tempdir\b/.test(script) || outputIds.includes('_tempdir') };
    compiled.set(key, entry);
    return entry;
  }
}
