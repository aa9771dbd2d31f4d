import { TaskSpecValidationError } from './errors';

/** Where the job's data directory is mounted in the container (Girder Worker's `DATA_VOLUME`). */
export const DATA_VOLUME = '/mnt/girder_worker/data';

/** An input port as argument expansion sees it. */
export interface IExpandPort {
  id: string;
  target?: string;
  /** What `$flag{id}` becomes when the input is true (the id itself by default). */
  arg?: string;
}

/** What `$input{}`, `$flag{}` and `$output{}` expand from. */
export interface IExpandContext {
  /** Bound input values by port id (host paths for `filepath` inputs). */
  values: Record<string, unknown>;
  /** The task's input ports. */
  ports: readonly IExpandPort[];
  /** Output bindings by port id; `$output{id}` needs one with a `name`. */
  outputs: Record<string, { [key: string]: unknown }>;
  /** The host directory mounted at `DATA_VOLUME`. */
  tempdir: string;
}

/**
 * Girder Worker's `_expand_args`. Per argument, in this order:
 * - `$input{id}` becomes the input's value rendered as Python's `str()` would (`True`, `5`), a
 *   `filepath` input under the temp dir becoming its path in the container; `$input{_tempdir}` is
 *   `DATA_VOLUME`;
 * - `$flag{id}` becomes the port's `arg` (or its id) when the input is truthy, and `""` when it is
 *   falsy or unbound; an argument left exactly `""` by a flag is dropped (an `$input{}` that renders
 *   `""` keeps its empty argument);
 * - `$output{id}` becomes `DATA_VOLUME/<name of the output binding>`.
 */
export function expandArgs(args: readonly string[], context: IExpandContext): string[] {
  const out: string[] = [];
  const ports = new Map(context.ports.map((p) => [p.id, p]));
  for (const original of args) {
    let arg = original.replace(Private.INPUT, (token, id: string) => {
      if (id in context.values) {
        const port = ports.get(id);
        if (!port) throw new TaskSpecValidationError(`No task input found with id = ${id}`, { port: id });
        return containerValue(context.values[id], port, context.tempdir);
      }
      if (id === '_tempdir') return DATA_VOLUME;
      throw new TaskSpecValidationError(`Could not expand token: ${token}.`, { port: id, token });
    });
    let flagged = false;
    arg = arg.replace(Private.FLAG, (_token, id: string) => {
      flagged = true;
      if (!(id in context.values) || !Private.truthy(context.values[id])) return '';
      return ports.get(id)?.arg ?? id;
    });
    arg = arg.replace(Private.OUTPUT, (token, id: string) => {
      const name = context.outputs[id]?.name;
      if (name === undefined || name === null) throw new TaskSpecValidationError(`Could not expand token: ${token}.`, { port: id, token });
      return `${DATA_VOLUME}/${String(name)}`;
    });
    if (flagged && arg === '') continue;
    out.push(arg);
  }
  return out;
}

/** An input value as the container sees it: a `filepath` under the temp dir maps into `DATA_VOLUME`. */
export function containerValue(value: unknown, port: IExpandPort, tempdir: string): string {
  const s = pythonStr(value);
  if (port.target === 'filepath' && typeof value === 'string') return toContainerPath(value, tempdir) ?? s;
  return s;
}

/** The container path of a host path inside `tempdir`, or undefined when it lies outside. */
export function toContainerPath(hostPath: string, tempdir: string): string | undefined {
  const base = tempdir.replace(/\/+$/, '');
  if (hostPath === base) return DATA_VOLUME;
  if (hostPath.startsWith(`${base}/`)) return `${DATA_VOLUME}${hostPath.slice(base.length)}`;
  return undefined;
}

/** Render a value as Python's `str()` would: `True`, `None`, `5`, `[1, 2]`, `{'a': 1}`. */
export function pythonStr(value: unknown): string {
  return typeof value === 'string' ? value : Private.repr(value);
}

namespace Private {
  export const INPUT = /\$input\{([^}]+)\}/g;
  export const FLAG = /\$flag\{([^}]+)\}/g;
  export const OUTPUT = /\$output\{([^}]+)\}/g;

  export function truthy(v: unknown): boolean {
    if (Array.isArray(v)) return v.length > 0;
    if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
    return Boolean(v);
  }

  export function repr(v: unknown): string {
    if (v === null || v === undefined) return 'None';
    if (v === true) return 'True';
    if (v === false) return 'False';
    if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
    if (Array.isArray(v)) return `[${v.map(repr).join(', ')}]`;
    if (typeof v === 'object')
      return `{${Object.entries(v)
        .map(([k, x]) => `${repr(k)}: ${repr(x)}`)
        .join(', ')}}`;
    return String(v);
  }
}
