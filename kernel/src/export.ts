/**
 * Task bundles: a task (or every step of a workflow) written out as a Girder-Worker-style spec
 * (`NAME.json`) beside an ES module bundled with esbuild (`NAME.mjs`) that default-exports the task
 * function with everything it uses: the helpers of other cells (as source), the values it captures
 * (frozen, when they are JSON-able; refused by name otherwise), and the npm packages it imports.
 * The spec records the task's code identity (`code_id`), so the result cache keys it as the
 * notebook does. Runs with `taskcell run NAME.json`, on threads and on `taskcell worker`s.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { CaptureError, OptionError, carryScope, codeId, freeVariables, taskToJSON } from '@taskcell/core';
import type { ITaskLike, ITaskSpec, TaskJSON } from '@taskcell/core';
import type { Plugin } from 'esbuild';

/** What `exportTask` wrote. */
export interface IExported {
  /** The spec file (`DIR/NAME.json`). */
  spec: string;
  /** The bundle files, one per function task (a workflow has one per step). */
  bundles: string[];
  /** Captured values frozen into the bundles, as `name` (or `step.name` for a workflow's steps). */
  frozen: string[];
  /** npm packages bundled in. */
  packages: string[];
  /** Total size of the bundles in bytes. */
  bytes: number;
}

/** `exportTask`'s options. */
export interface IExportOptions {
  /** The file name (without extension); the task's name by default. */
  name?: string;
  /** Where imported packages resolve from (the notebook's folder); the working directory by default. */
  resolveDir?: string;
}

/**
 * Write `task` (a Task, a Workflow, or a spec) to `dir` as `NAME.json` plus one bundled ES module
 * per function task. Throws a CaptureError naming every captured value that cannot be frozen (a
 * Map, a class instance, a function's property...) and every name no cell declares.
 */
export async function exportTask(task: ITaskLike | ITaskSpec, dir: string, options: IExportOptions = {}): Promise<IExported> {
  const spec = 'spec' in task ? task.spec : task;
  const name = options.name ?? spec.name;
  if (!name || !/^[\w.-]+$/.test(name)) {
    throw new OptionError(
      `Expected a task name made of letters, digits, "_", "." or "-" to name the exported files, got ${JSON.stringify(name)}`,
      {
        task: spec.name,
      },
    );
  }
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const done: IExported = { spec: join(out, `${name}.json`), bundles: [], frozen: [], packages: [], bytes: 0 };
  const resolveDir = resolve(options.resolveDir ?? process.cwd());
  let json: TaskJSON;
  if (spec.steps) {
    json = taskToJSON(spec);
    const steps = json.steps as Array<{ name: string; task: TaskJSON }>;
    for (let i = 0; i < spec.steps.length; i++) {
      const step = spec.steps[i];
      steps[i].task = await Private.exportOne(step.task, out, `${name}.${step.name}`, resolveDir, done, `${step.name}.`);
    }
  } else json = await Private.exportOne(spec, out, name, resolveDir, done, '');
  writeFileSync(done.spec, `${JSON.stringify(json, null, 2)}\n`);
  done.packages = [...new Set(done.packages)].sort();
  return done;
}

namespace Private {
  /** One task's JSON, its function (if any) bundled to `OUT/FILE.mjs`. */
  export async function exportOne(
    spec: ITaskSpec,
    out: string,
    file: string,
    resolveDir: string,
    done: IExported,
    prefix: string,
  ): Promise<TaskJSON> {
    const json = taskToJSON(spec);
    if (!spec.fn) return json;
    const label = `Task "${spec.name ?? file}"`;
    if (!freeVariables(spec.fn).parsed) {
      throw new CaptureError(`${label} has no readable source (a native or bound function), so it cannot be exported`, { task: spec.name });
    }
    const carried = carryScope(spec.fn, { packages: true, json: true });
    if (!carried.ok) {
      const parts = carried.refused.map((r) => `\`${r.name}\` ${r.reason}`);
      if (carried.unresolved.length) parts.push(`${carried.unresolved.map((n) => `\`${n}\``).join(', ')} is not declared by any cell`);
      throw new CaptureError(`${label} cannot be exported: ${parts.join('; ')}. Pass such values as inputs instead`, {
        task: spec.name,
        captured: [...carried.unresolved, ...carried.refused.map((r) => r.name)],
        refused: Object.fromEntries(carried.refused.map((r) => [r.name, r.reason])),
      });
    }
    const source = Function.prototype.toString.call(spec.fn);
    const bytes = await bundle(entry(source, carried.prelude), join(out, `${file}.mjs`), resolveDir);
    done.bundles.push(join(out, `${file}.mjs`));
    done.bytes += bytes;
    done.frozen.push(...carried.frozen.map((n) => `${prefix}${n}`));
    done.packages.push(...carried.packages);
    json.module = `./${file}.mjs`;
    json.code_id = codeId(source, carried.prelude);
    if (carried.frozen.length) json.frozen = carried.frozen;
    return json;
  }

  /**
   * The bundle's entry: each module the prelude imports, then the function built as `reviveFunction`
   * builds it on a thread (its prelude's `require` and `__taskcellImport` given by the entry).
   */
  export function entry(source: string, prelude: string): string {
    const modules = new Set<string>();
    for (const m of prelude.matchAll(/__taskcellImport\(("(?:[^"\\]|\\.)*")/g)) modules.add(JSON.parse(m[1]) as string);
    for (const m of `${prelude}\n${source}`.matchAll(/\brequire\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\)/g)) {
      modules.add(m[1].startsWith('"') ? (JSON.parse(m[1]) as string) : m[1].slice(1, -1));
    }
    const list = [...modules];
    return [
      ...list.map((m, i) => `import * as __tc${i} from ${JSON.stringify(m)};`),
      `const __tcModules = { ${list.map((m, i) => `${JSON.stringify(m)}: __tc${i}`).join(', ')} };`,
      'const __tcRequire = (m) => {',
      '  if (Object.prototype.hasOwnProperty.call(__tcModules, m)) return __tcModules[m];',
      '  throw new Error(`This task bundle does not hold the module "${m}"`);',
      '};',
      "const __tcImport = (m, n) => (n === '*' ? __tcRequire(m) : __tcRequire(m)[n]);",
      `export default ((require, __taskcellImport) => {\n${prelude}\nreturn (${source});\n})(__tcRequire, __tcImport);`,
      '',
    ].join('\n');
  }

  /** Bundle `code` into `file` with esbuild; returns its size. */
  export async function bundle(code: string, file: string, resolveDir: string): Promise<number> {
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      stdin: { contents: code, resolveDir, loader: 'js', sourcefile: 'task-entry.js' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outfile: file,
      write: false,
      legalComments: 'none',
      logLevel: 'silent',
      // Packages the notebook's folder lacks resolve from the kernel's installation, as in cells.
      nodePaths: createRequire(__filename).resolve.paths('') ?? [],
      // CommonJS packages inside an ES module still call require (for Node's built-ins).
      banner: {
        js: "import { createRequire as __tcCreateRequire } from 'node:module';\nconst require = __tcCreateRequire(import.meta.url);",
      },
      plugins: [coreShim],
    });
    const text = result.outputFiles[0].contents;
    writeFileSync(file, text);
    return text.byteLength;
  }

  /** taskcell itself is not bundled: a bundle gets the runner's own copy, which core shares under a global when it loads a bundle. */
  const coreShim: Plugin = {
    name: 'taskcell-core',
    setup(build) {
      build.onResolve({ filter: /^(taskcell|@taskcell\/core)$/ }, (args) => ({ path: args.path, namespace: 'taskcell-core' }));
      build.onLoad({ filter: /.*/, namespace: 'taskcell-core' }, () => ({
        contents: "module.exports = globalThis[Symbol.for('taskcell.core')];",
        loader: 'js',
      }));
    },
  };
}
