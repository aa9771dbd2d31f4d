import '../builtins';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OptionError, SpecError } from '@taskcell/core';
import type { ITaskLike } from '@taskcell/core';
import { Executor } from '../jupyter/executor';
import { exportTask } from '../export';

const HELP = `usage: taskcell export NOTEBOOK.ipynb (--task NAME | --workflow NAME) [--out DIR]

Writes the task (or the workflow, every step bundled) that the notebook declares as NAME to
DIR/NAME.json with its code bundled beside it (DIR/NAME.mjs, or DIR/NAME.STEP.mjs per step), to be
run with \`taskcell run DIR/NAME.json\`, on threads or on \`taskcell worker\`s.

The notebook's code cells are executed in order, as the kernel would, until NAME is declared, so
the task's helpers, values and imports are what the notebook made them. Values it captures are
frozen into the bundle (listed in the spec under "frozen"); values that are not JSON-able are
refused by name.

  --task NAME       the task to export
  --workflow NAME   the workflow to export
  --out DIR         where to write (default: the current folder)`;

/** `taskcell export`. */
export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      task: { type: 'string' },
      workflow: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new OptionError(
      `taskcell export takes one NOTEBOOK.ipynb, got ${positionals.length ? positionals.join(' ') : 'none'}\n\n${HELP}`,
      {},
    );
  }
  if ((values.task === undefined) === (values.workflow === undefined)) {
    throw new OptionError(`taskcell export needs one of --task NAME or --workflow NAME\n\n${HELP}`, {});
  }
  const kind = values.task !== undefined ? 'task' : 'workflow';
  const name = (values.task ?? values.workflow)!;
  const notebook = resolve(positionals[0]);
  const out = resolve(values.out ?? '.');
  // Exported while the cells' scope is live: it says what each name the task uses is.
  const done = await Private.declare(notebook, name, kind, (found) => exportTask(found, out, { name, resolveDir: dirname(notebook) }));
  const rel = (p: string) => relative(process.cwd(), p) || '.';
  const lines = [`wrote ${rel(done.spec)}`, ...done.bundles.map((b) => `wrote ${rel(b)}`), `bundle size: ${done.bytes} bytes`];
  if (done.packages.length) lines.push(`packages bundled: ${done.packages.join(', ')}`);
  if (done.frozen.length) {
    lines.push(`values frozen into the bundle (a later change in the notebook needs a new export): ${done.frozen.join(', ')}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

namespace Private {
  /** Execute the notebook's code cells in order until one declares `name` as a task or workflow, and give it to `use`. */
  export async function declare<T>(
    notebook: string,
    name: string,
    kind: 'task' | 'workflow',
    use: (found: ITaskLike) => Promise<T>,
  ): Promise<T> {
    const cells = codeCells(notebook);
    // Cells run where the kernel would run them: in the notebook's folder.
    const back = process.cwd();
    process.chdir(dirname(notebook));
    const executor = new Executor({ cwd: dirname(notebook) });
    const seen: string[] = [];
    try {
      for (let i = 0; i < cells.length; i++) {
        try {
          await executor.execute(cells[i]);
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          throw new SpecError(
            `Cell ${i + 1} of ${notebook} failed while the notebook ran up to its ${kind} "${name}" (export runs the cells before it, as the kernel does): ${why}`,
            { path: `cells[${i}]`, task: name },
            { cause: err },
          );
        }
        const b = executor.lookup(name);
        const value = b?.kind === 'value' ? (b.value as Partial<ITaskLike> | undefined) : undefined;
        if (value && typeof value === 'object' && value.spec && Array.isArray(value.spec.inputs)) {
          const isWorkflow = value.spec.steps !== undefined;
          if (isWorkflow !== (kind === 'workflow')) {
            throw new OptionError(
              `"${name}" in ${notebook} is a ${isWorkflow ? 'workflow' : 'task'}: export it with --${isWorkflow ? 'workflow' : 'task'} ${name}`,
              {
                task: name,
              },
            );
          }
          return await use(value as ITaskLike);
        }
        seen.push(...declaredTasks(executor, cells[i]));
      }
    } finally {
      executor.close();
      process.chdir(back);
    }
    throw new SpecError(
      `${notebook} declares no ${kind} named "${name}" at the top level of a cell${seen.length ? `; it declares: ${[...new Set(seen)].join(', ')}` : ''}`,
      { task: name },
    );
  }

  /** The tasks and workflows a cell declared (for the error that lists them). */
  function declaredTasks(executor: Executor, cell: string): string[] {
    const names: string[] = [];
    for (const m of cell.matchAll(/\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)/g)) {
      const b = executor.lookup(m[1]);
      if (b?.kind === 'value' && (b.value as Partial<ITaskLike> | null)?.spec) names.push(m[1]);
    }
    return names;
  }

  function codeCells(notebook: string): string[] {
    let nb: { cells?: Array<{ cell_type?: string; source?: string | string[] }> };
    try {
      nb = JSON.parse(readFileSync(notebook, 'utf8')) as typeof nb;
    } catch (err) {
      throw new SpecError(`Cannot read notebook ${notebook}: ${(err as Error).message}`, { path: notebook }, { cause: err });
    }
    if (!Array.isArray(nb.cells)) throw new SpecError(`${notebook} is not a notebook (it has no "cells" list)`, { path: notebook });
    return nb.cells.filter((c) => c.cell_type === 'code').map((c) => (Array.isArray(c.source) ? c.source.join('') : (c.source ?? '')));
  }
}
