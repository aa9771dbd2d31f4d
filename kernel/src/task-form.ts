/**
 * `form(task)`: a form generated from a task's input ports, drawn by the JupyterLab extension.
 * Its Run button asks the kernel (an execute request the extension sends) to run the task with
 * the values typed, through `run()`, so the job shows in the Tasks panel and its result card
 * renders below the form.
 */
import { createHash, randomUUID } from 'node:crypto';
import { OptionError, declaredJSON, toSpec } from '@taskcell/core';
import type { ITaskSpec } from '@taskcell/core';
import { DISPLAY_SYMBOL, FORM_MIME, FORM_RUNNER_KEY, MIME, formModel, parseField } from '@taskcell/display';
import type { IFormModel, IFormPlace, IMimeBundle } from '@taskcell/display';
import { placesUsed, run, runStartOf } from './run';
import type { IKernelRunOptions } from './run';

/** A shown form: displays itself as the form. */
export interface ITaskForm {
  readonly model: IFormModel;
  [DISPLAY_SYMBOL](): IMimeBundle;
}

/**
 * The form of a task (a TypeScript task, a promoted one, or a spec such as one read from Slicer
 * XML): leave it as a cell's value, or `display(form(t))`. `options` are the run options its Run
 * uses (`cache`, ...); `on` is the place its place select starts on. The select offers in-process
 * (for a container task, its image's container started from the kernel), threads, and each remote
 * pool this kernel's runs have used or `on` names.
 */
export function form(task: Parameters<typeof toSpec>[0], options: IKernelRunOptions = {}): ITaskForm {
  const spec = toSpec(task);
  const model = formModel(spec, randomUUID());
  model.key = formKey(spec);
  model.places = Private.places(spec, options.on);
  model.on = options.on ?? '';
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

/** Where the executor keeps the cells' top-level declarations (its `exports` object), under `Symbol.for`. */
const CELL_KEY = 'taskcell.cell';

/** A task a notebook's cells hold, as the Tasks panel's "New form…" lists it. */
export interface IFormTask {
  /** The expression that names it in a cell (`scale`, `tasks["Repeat"]`). */
  expr: string;
  /** Its name, or the expression when it has none. */
  name: string;
  /** The task's mode (`javascript`, `slicer_cli`, ...). */
  mode: string;
}

/** The tasks the notebook's cells hold: displays itself as JSON for the panel, and as a list. */
export interface IFormTaskList {
  readonly tasks: IFormTask[];
  [DISPLAY_SYMBOL](): IMimeBundle;
}

/**
 * The tasks the cells of this kernel have declared at their top level (a task, or a task spec
 * such as one read from Slicer XML), and those inside a top-level object of specs (the `tasks` of
 * an imported image): what the Tasks panel's "New form…" offers.
 */
export function formTasks(): IFormTaskList {
  const cell = (globalThis as unknown as Record<symbol, { exports?: Record<string, unknown> } | undefined>)[Symbol.for(CELL_KEY)];
  const tasks: IFormTask[] = [];
  for (const [name, value] of Object.entries(cell?.exports ?? {})) {
    const own = Private.taskOf(value);
    if (own) tasks.push({ expr: name, name: own.name ?? name, mode: own.mode });
    else if (Private.isPlainObject(value)) {
      for (const [key, inner] of Object.entries(value)) {
        const spec = Private.taskOf(inner);
        if (spec) tasks.push({ expr: `${name}[${JSON.stringify(key)}]`, name: spec.name ?? key, mode: spec.mode });
      }
    }
  }
  return {
    tasks,
    [DISPLAY_SYMBOL]: () => ({
      [MIME.json]: tasks as unknown as Record<string, unknown>,
      [MIME.plain]: tasks.length
        ? tasks.map((t) => `${t.expr}: ${t.name} (${t.mode})`).join('\n')
        : 'No tasks declared in this notebook yet',
    }),
  };
}

/**
 * What names a task's inputs across kernels: a hash of its declared JSON without its code, so a
 * form's kept values go back only into a form of a task with the same ports.
 */
export function formKey(spec: ReturnType<typeof toSpec>): string {
  return createHash('sha256')
    .update(JSON.stringify(declaredJSON(spec)))
    .digest('hex')
    .slice(0, 16);
}

/**
 * Run a shown form's task with the values its fields hold, checked again here against the same
 * rules the form applied, on the place `on` chosen in the form (empty: in-process; absent: the
 * place `form()` was given). What the extension's Run button calls.
 */
export function runForm(formId: string, values: Record<string, unknown>, on?: string): ReturnType<typeof run> {
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
    if (checked.value === undefined) continue;
    // A file picked for a port that takes a file is that file (a local binding), not text to write to one.
    const port = entry.spec.inputs.find((p) => p.id === field.id);
    const file = field.widget === 'path' && field.pick === 'file' && port?.target === 'filepath' && typeof checked.value === 'string';
    inputs[field.id] = file ? { mode: 'local', path: checked.value } : checked.value;
  }
  const options: IKernelRunOptions = { ...entry.options };
  if (on !== undefined) {
    const offered = Private.places(entry.spec, entry.options.on).map((p) => p.on);
    if (!offered.includes(on)) {
      throw new OptionError(
        `Form of task "${model.task}" cannot run on "${on}"; expected one of ${offered.map((p) => JSON.stringify(p)).join(', ')}`,
        {},
      );
    }
    if (on === '') delete options.on;
    else options.on = on;
  }
  return run(entry.spec as never, inputs as never, options);
}

namespace Private {
  /** The spec of a task or task JSON (not a workflow), else undefined. */
  export function taskOf(value: unknown): ITaskSpec | undefined {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
    // Any value a cell holds is looked at: a getter or a proxy that throws only means "not a task".
    try {
      const v = value as { spec?: unknown; mode?: unknown; inputs?: unknown };
      const candidate = v.spec !== null && typeof v.spec === 'object' ? (v.spec as typeof v) : v;
      if (typeof candidate.mode !== 'string' || candidate.mode === 'workflow' || !Array.isArray(candidate.inputs)) return undefined;
      const spec = toSpec(value as Parameters<typeof toSpec>[0]);
      return spec.mode === 'workflow' ? undefined : spec;
    } catch {
      return undefined;
    }
  }

  /** An object literal (or JSON), as an imported image's `tasks` is; not an instance of a class, a map or an array. */
  export function isPlainObject(value: unknown): value is Record<string, unknown> {
    if (value === null || typeof value !== 'object') return false;
    const proto = Object.getPrototypeOf(value) as unknown;
    return proto === Object.prototype || proto === null;
  }

  /** The places a form offers: in-process, threads, and the remote pools known to this kernel. */
  export function places(spec: ITaskSpec, on: string | undefined): IFormPlace[] {
    const image = spec.mode === 'docker' || spec.mode === 'slicer_cli' ? (spec.source.docker_image as string | undefined) : undefined;
    const out: IFormPlace[] = [{ on: '', label: image ? `docker ${image} (from the kernel)` : 'in-process' }];
    out.push({ on: 'threads', label: 'threads' });
    for (const p of [...placesUsed(), ...(on !== undefined ? [on] : [])]) {
      if (p !== '' && !out.some((o) => o.on === p)) out.push({ on: p, label: /^rediss?:/.test(p) ? `remote ${p}` : p });
    }
    return out;
  }

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
