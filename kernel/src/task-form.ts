/**
 * `form(task)`: a form generated from a task's input ports, drawn by the JupyterLab extension.
 * Its Run button asks the kernel (an execute request the extension sends) to run the task with
 * the values typed, through `run()`, so the job shows in the Tasks panel and its result card
 * renders below the form.
 */
import { randomUUID } from 'node:crypto';
import { OptionError, toSpec } from '@taskcell/core';
import type { ITaskSpec } from '@taskcell/core';
import { DISPLAY_SYMBOL, FORM_MIME, FORM_RUNNER_KEY, MIME, formModel, parseField } from '@taskcell/display';
import type { IFormModel, IMimeBundle } from '@taskcell/display';
import { run, runStartOf } from './run';
import type { IKernelRunOptions } from './run';

/** A shown form: displays itself as the form. */
export interface ITaskForm {
  readonly model: IFormModel;
  [DISPLAY_SYMBOL](): IMimeBundle;
}

/**
 * The form of a task (a TypeScript task, a promoted one, or a spec such as one read from Slicer
 * XML): leave it as a cell's value, or `display(form(t))`. `options` are the run options its Run
 * uses (`on`, `cache`, ...).
 */
export function form(task: Parameters<typeof toSpec>[0], options: IKernelRunOptions = {}): ITaskForm {
  const spec = toSpec(task);
  const model = formModel(spec, randomUUID());
  Private.forms().set(model.formId, { spec, options });
  return {
    model,
    [DISPLAY_SYMBOL]: () => ({
      [FORM_MIME]: model,
      [MIME.plain]: `Form of task "${model.task}" (drawn by the taskcell JupyterLab extension)`,
    }),
  };
}

/**
 * The form of the task job `jobId` ran, with the place it ran on: what the Tasks panel's Form
 * button inserts, to run a task again with other inputs.
 */
export function formOfJob(jobId: string): ITaskForm {
  const start = runStartOf(jobId);
  if (!start) {
    throw new OptionError(
      `No job "${jobId}" started by run() in this kernel; expected one of its recent jobs (a restarted kernel forgets them: run its cell again)`,
      {},
    );
  }
  return form(start.spec, start.on === undefined ? {} : { on: start.on });
}

/**
 * Run a shown form's task with the values its fields hold, checked again here against the same
 * rules the form applied. What the extension's Run button calls.
 */
export function runForm(formId: string, values: Record<string, unknown>): ReturnType<typeof run> {
  const entry = Private.forms().get(formId);
  if (!entry) {
    throw new OptionError(
      `No form "${formId}" in this kernel; expected one shown by form() since the kernel started (run its cell again)`,
      {},
    );
  }
  const model = formModel(entry.spec, formId);
  const inputs: Record<string, unknown> = {};
  for (const field of model.fields) {
    if (!(field.id in values)) continue;
    const v = values[field.id];
    const raw = typeof v === 'boolean' ? v : field.widget === 'json' ? JSON.stringify(v) : Array.isArray(v) ? v.join(',') : String(v);
    const checked = parseField(field, raw);
    if ('error' in checked) throw new OptionError(`Input "${field.id}" of task "${model.task}": ${checked.error}`, { port: field.id });
    if (checked.value !== undefined) inputs[field.id] = checked.value;
  }
  return run(entry.spec as never, inputs as never, entry.options);
}

namespace Private {
  interface IEntry {
    spec: ITaskSpec;
    options: IKernelRunOptions;
  }

  /** Kept on a global, so every copy of this module a notebook loads shares one table. */
  export function forms(): Map<string, IEntry> {
    const g = globalThis as unknown as Record<symbol, Map<string, IEntry>>;
    return (g[Symbol.for(FORM_RUNNER_KEY)] ??= new Map());
  }
}
