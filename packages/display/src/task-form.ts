import type { IPortSpec, ITaskSpec } from '@taskcell/core';

/** The MIME type of a task's form, rendered by the JupyterLab extension. */
export const FORM_MIME = 'application/vnd.taskcell.form+json';

/** The global (a symbol key) under which the kernel keeps the forms it has shown, for their Run (`runForm`). */
export const FORM_RUNNER_KEY = 'taskcell.forms';

/** How a field is edited. */
export type FormWidget = 'integer' | 'number' | 'checkbox' | 'select' | 'list' | 'text' | 'json' | 'path';

/** The kinds of Slicer parameter whose value is the path of a file (a `path` field that picks a file). */
const FILE_KINDS = new Set(['file', 'image', 'geometry', 'transform', 'pointfile', 'measurement', 'item', 'table']);

/** A place a form can run its task on: the `on` of `run()` (empty for in-process) and its words. */
export interface IFormPlace {
  on: string;
  label: string;
}

/** One input of a task, as its form shows it. */
export interface IFormField {
  id: string;
  label: string;
  description?: string;
  widget: FormWidget;
  type: string;
  format: string;
  /** The default, in the port's format. */
  default?: unknown;
  /** True when the port has no default: the form needs a value. */
  required: boolean;
  minimum?: number;
  maximum?: number;
  step?: number;
  /** The choices of an enumeration. */
  options?: Array<string | number>;
  /** What each comma-separated value of a `list` is. */
  item?: 'integer' | 'number' | 'string';
  /** The section the field is in. */
  group: string;
  /** What a `path` field picks in the file browser. */
  pick?: 'file' | 'directory';
}

/** A task's form: what the renderer draws and what its Run sends back. */
export interface IFormModel {
  v: 1;
  /** Names the task in the kernel that showed the form. */
  formId: string;
  task: string;
  description?: string;
  /** Section titles in order. */
  groups: string[];
  fields: IFormField[];
  /**
   * Names the task's inputs across kernels (a hash of its declared ports): the values a form keeps
   * with the notebook are restored only into a form of the same task.
   */
  key?: string;
  /** Where Run may send the task, the first the default. */
  places?: IFormPlace[];
  /** The place chosen when the form is shown (one of `places`' `on`). */
  on?: string;
}

/** A field's value, or why the text typed into it is refused. */
export type FieldResult = { value: unknown } | { error: string };

/**
 * The form of a task, from its input ports: the widget by type, the default filled, and the
 * constraints, enumeration, label and group of a port read from Slicer XML (its `slicer` field).
 */
export function formModel(spec: ITaskSpec, formId: string): IFormModel {
  const groups: string[] = [];
  const slicerGroups = (spec.source.slicer as { groups?: Array<{ label: string }> } | undefined)?.groups ?? [];
  const fields = spec.inputs.map((port) => {
    const field = Private.field(port);
    const meta = Private.slicer(port);
    field.group = (meta?.group !== undefined ? slicerGroups[meta.group]?.label : undefined) || 'Inputs';
    if (!groups.includes(field.group)) groups.push(field.group);
    return field;
  });
  const model: IFormModel = { v: 1, formId, task: spec.name ?? 'task', groups, fields };
  if (spec.description !== undefined) model.description = spec.description;
  return model;
}

/** The text a field starts with: its default as the user would type it. */
export function fieldText(field: IFormField, value: unknown = field.default): string {
  if (value === undefined || value === null) return '';
  if (field.widget === 'json') return JSON.stringify(value);
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

/** Check what was typed into a field against its type and constraints. */
export function parseField(field: IFormField, raw: string | boolean): FieldResult {
  if (field.widget === 'checkbox') return { value: raw === true };
  const text = String(raw).trim();
  if (text === '' && field.widget !== 'text') {
    return field.required ? { error: `${field.label} needs a value` } : { value: field.default };
  }
  switch (field.widget) {
    case 'integer':
    case 'number':
      return Private.number(field, text, field.widget);
    case 'select': {
      const hit = field.options?.find((o) => String(o) === text);
      return hit === undefined ? { error: `Expected one of ${field.options?.join(', ')}, got "${text}"` } : { value: hit };
    }
    case 'list': {
      const items = text.split(',').map((s) => s.trim());
      const out: unknown[] = [];
      for (const s of items) {
        if (field.item === 'string') out.push(s);
        else {
          const r = Private.number({ ...field, minimum: undefined, maximum: undefined }, s, field.item ?? 'number');
          if ('error' in r) return { error: `Each value: ${r.error}` };
          out.push(r.value);
        }
      }
      return { value: out };
    }
    case 'json':
      try {
        return { value: JSON.parse(text) as unknown };
      } catch (err) {
        return { error: `Expected JSON, got "${text}": ${(err as Error).message}` };
      }
    default:
      if (text === '' && field.required) return { error: `${field.label} needs a value` };
      return { value: String(raw) };
  }
}

namespace Private {
  interface ISlicerMeta {
    label?: string;
    group?: number;
    constraints?: { minimum?: number; maximum?: number; step?: number };
    enumeration?: Array<string | number>;
  }

  export function slicer(port: IPortSpec): ISlicerMeta | undefined {
    const m = port.source.slicer;
    return m !== null && typeof m === 'object' ? (m as ISlicerMeta) : undefined;
  }

  const LISTS: Record<string, 'integer' | 'number' | 'string'> = { integer_list: 'integer', number_list: 'number', string_list: 'string' };

  export function field(port: IPortSpec): IFormField {
    const meta = slicer(port);
    const f: IFormField = {
      id: port.id,
      label: meta?.label ?? port.id,
      widget: 'text',
      type: port.type,
      format: port.format,
      required: port.default === undefined,
      group: 'Inputs',
    };
    if (port.description !== undefined) f.description = port.description;
    if (port.default !== undefined) f.default = port.default.data;
    if (meta?.enumeration) {
      f.widget = 'select';
      f.options = meta.enumeration;
    } else if (port.type === 'integer' || port.type === 'number') f.widget = port.type;
    else if (port.type === 'boolean') f.widget = 'checkbox';
    else if (LISTS[port.type]) {
      f.widget = 'list';
      f.item = LISTS[port.type];
    } else if (port.type === 'python' || (port.target === 'memory' && !['string', 'directory'].includes(port.type))) f.widget = 'json';
    const kind = (meta as { kind?: string } | undefined)?.kind;
    if (f.widget === 'text' && (port.type === 'directory' || kind === 'directory')) {
      f.widget = 'path';
      f.pick = 'directory';
    } else if (f.widget === 'text' && ((kind !== undefined && FILE_KINDS.has(kind)) || port.target === 'filepath')) {
      f.widget = 'path';
      f.pick = 'file';
    }
    if (meta?.constraints) Object.assign(f, meta.constraints);
    return f;
  }

  export function number(field: IFormField, text: string, kind: string): FieldResult {
    const n = Number(text);
    if (kind === 'integer' ? !/^[+-]?\d+$/.test(text) : !Number.isFinite(n)) {
      return { error: `Expected ${kind === 'integer' ? 'an integer' : 'a number'}, got "${text}"` };
    }
    if (field.minimum !== undefined && n < field.minimum) return { error: `Expected at least ${field.minimum}, got ${n}` };
    if (field.maximum !== undefined && n > field.maximum) return { error: `Expected at most ${field.maximum}, got ${n}` };
    return { value: n };
  }
}
