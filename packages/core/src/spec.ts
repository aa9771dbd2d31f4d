import { SpecError } from './errors';
import { parseRetries, retriesToJSON } from './run/retry';
import type { IRetryPolicy } from './run/retry';

/** Where a port's data lives while the task runs: as a value, or as a file whose path the task gets. */
export type PortTarget = 'memory' | 'filepath';

/**
 * Where data comes from or goes to. Girder Worker's binding: `inline` carries `data`, `local` a
 * `path`, `http` a `url`. The mode is inferred when absent: `url` means http, `data` means inline.
 */
export interface IBinding {
  mode?: string;
  type?: string;
  format?: string;
  data?: unknown;
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  params?: Record<string, string | number | boolean>;
  /** Refuse a download larger than this many bytes. */
  maxSize?: number;
  path?: string;
  /** Http inputs: set false to bypass the fetch cache. */
  cache?: boolean;
  [key: string]: unknown;
}

/** A binding that carries its data. */
export interface IDataBinding extends IBinding {
  format: string;
  data: unknown;
}

/** A typed input or output port. */
export interface IPortSpec {
  /** The port's identifier: Girder Worker's `id`, or its `name` when no id is given. */
  id: string;
  type: string;
  format: string;
  target: PortTarget;
  /** Used when an input has no binding. */
  default?: IDataBinding;
  /** File name for a `filepath` target. */
  filename?: string;
  description?: string;
  /** The port as it was written, for `toJSON`. */
  readonly source: Record<string, unknown>;
}

/** One step of a workflow. */
export interface IStepSpec {
  name: string;
  task: ITaskSpec;
  /** Girder Worker visualization steps are not executed; their inputs are reported instead. */
  visualization?: boolean;
  /** Milliseconds this step may take (its task's own `timeout` still holds when smaller). */
  timeout?: number;
  /** This step's retry policy, in place of its task's. */
  retries?: IRetryPolicy;
  readonly source: Record<string, unknown>;
}

/** One wire of a workflow. Input connections have `name`+`input_step`+`input`, internal ones
 * `output_step`+`output`+`input_step`+`input`, output connections `name`+`output_step`+`output`. */
export interface IConnection {
  name?: string;
  input_step?: string;
  input?: string;
  output_step?: string;
  output?: string;
}

/** The context a task body runs with; see the runner for what each member does. */
export type TaskFunction = (inputs: Record<string, unknown>, context: never) => unknown;

/** A normalized task. Girder Worker JSON and the TypeScript builders both parse into it. */
export interface ITaskSpec {
  mode: string;
  name?: string;
  description?: string;
  inputs: IPortSpec[];
  outputs: IPortSpec[];
  /** Script text for script modes (javascript, python). */
  script?: string;
  /** The function body of a builder task (mode `javascript`). */
  fn?: (...args: never[]) => unknown;
  /** Set false to keep results of this task out of the result cache. */
  cache?: boolean;
  /** Milliseconds a run of this task may take (`"timeout"`); a smaller step or run limit wins. */
  timeout?: number;
  /** How a failed run is tried again (`"retries": { "max": 3, "backoff": "fixed", "delay": 100 }`). */
  retries?: IRetryPolicy;
  /** Workflow steps (mode `workflow`). */
  steps?: IStepSpec[];
  connections?: IConnection[];
  /** The spec as it was written, for `toJSON` and for mode-specific fields (docker_image, ...). */
  readonly source: Record<string, unknown>;
}

/** Raw input accepted by `parseTask`. */
export type TaskJSON = Record<string, unknown>;

const TARGETS = new Set<PortTarget>(['memory', 'filepath']);
const CORE_TASK_KEYS = new Set([
  'mode',
  'name',
  'description',
  'inputs',
  'outputs',
  'script',
  'steps',
  'connections',
  'cache',
  'timeout',
  'retries',
]);

/**
 * Parse Girder Worker task or workflow JSON into the normalized model. A malformed spec throws a
 * SpecError whose `context.path` names the bad field, e.g. `steps[1].task.inputs[0]`.
 * A missing `mode` is `python`, as in Girder Worker.
 */
export function parseTask(json: unknown, path = ''): ITaskSpec {
  const at = (p: string) => (path ? `${path}.${p}` : p);
  const obj = Private.object(json, path || 'task', 'a task spec object');
  const mode = obj.mode === undefined ? 'python' : Private.string(obj.mode, at('mode'));
  const spec: ITaskSpec = {
    mode,
    inputs: Private.ports(obj.inputs, at('inputs')),
    outputs: Private.ports(obj.outputs, at('outputs')),
    source: obj,
  };
  if (obj.name !== undefined) spec.name = String(obj.name);
  if (obj.description !== undefined) spec.description = Private.string(obj.description, at('description'));
  if (obj.script !== undefined) spec.script = Private.string(obj.script, at('script'));
  if (obj.cache !== undefined) spec.cache = Private.boolean(obj.cache, at('cache'));
  if (obj.timeout !== undefined) spec.timeout = Private.milliseconds(obj.timeout, at('timeout'));
  if (obj.retries !== undefined) spec.retries = parseRetries(obj.retries, at('retries'), SpecError);
  if (mode === 'workflow') {
    spec.steps = Private.steps(obj.steps, at('steps'));
    spec.connections = Private.connections(obj.connections, at('connections'), spec.steps);
  }
  return spec;
}

/** Parse one port (Girder Worker's `Port`): `id` or `name`, `type` and `format` default to python/object. */
export function parsePort(json: unknown, path = 'port'): IPortSpec {
  const obj = Private.object(json, path, 'a port object');
  const rawId = obj.id ?? obj.name;
  if (rawId === undefined || rawId === null || rawId === '') {
    throw new SpecError('Port specs require a valid name.', { path });
  }
  const port: IPortSpec = {
    id: String(rawId),
    type: obj.type === undefined ? 'python' : Private.string(obj.type, `${path}.type`),
    format: obj.format === undefined ? 'object' : Private.string(obj.format, `${path}.format`),
    target: 'memory',
    source: obj,
  };
  if (obj.target !== undefined) {
    if (!TARGETS.has(obj.target as PortTarget)) {
      throw new SpecError(`${path}.target must be "memory" or "filepath", got ${JSON.stringify(obj.target)}`, {
        path: `${path}.target`,
      });
    }
    port.target = obj.target as PortTarget;
  }
  if (obj.default !== undefined) port.default = parseDefault(obj.default, port, `${path}.default`);
  if (obj.filename !== undefined) port.filename = Private.string(obj.filename, `${path}.filename`);
  if (obj.description !== undefined) port.description = String(obj.description);
  return port;
}

/** A port default is a binding with data; a bare value is taken to be in the port's own format. */
export function parseDefault(value: unknown, port: Pick<IPortSpec, 'format'>, path: string): IDataBinding {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'data' in value) {
    const b = value as IBinding;
    if (b.format !== undefined && typeof b.format !== 'string') {
      throw new SpecError(`${path}.format must be a string`, { path: `${path}.format` });
    }
    return { ...b, format: b.format ?? port.format, data: b.data };
  }
  return { format: port.format, data: value };
}

/** Produce Girder Worker JSON back from a normalized spec: the keys that were set, nothing more. */
export function taskToJSON(spec: ITaskSpec): TaskJSON {
  const out: TaskJSON = {};
  for (const [k, v] of Object.entries(spec.source)) {
    if (!CORE_TASK_KEYS.has(k)) out[k] = v;
  }
  if (spec.name !== undefined) out.name = spec.name;
  if (spec.description !== undefined) out.description = spec.description;
  if (spec.inputs.length || 'inputs' in spec.source) out.inputs = spec.inputs.map(portToJSON);
  if (spec.outputs.length || 'outputs' in spec.source) out.outputs = spec.outputs.map(portToJSON);
  if (spec.mode !== 'python' || spec.source.mode !== undefined) out.mode = spec.mode;
  if (spec.script !== undefined) out.script = spec.script;
  if (spec.cache !== undefined) out.cache = spec.cache;
  if (spec.timeout !== undefined) out.timeout = spec.timeout;
  if (spec.retries !== undefined) out.retries = retriesToJSON(spec.retries);
  if (spec.steps) {
    const raw = new Map(spec.steps.map((s) => [s.name, s.source.name ?? s.name]));
    out.steps = spec.steps.map((s) => {
      const step: Record<string, unknown> = { ...s.source, name: s.source.name ?? s.name, task: taskToJSON(s.task) };
      return step;
    });
    out.connections = (spec.connections ?? []).map((c) => {
      const o: Record<string, unknown> = {};
      if (c.name !== undefined) o.name = c.name;
      if (c.output_step !== undefined) o.output_step = raw.get(c.output_step) ?? c.output_step;
      if (c.output !== undefined) o.output = c.output;
      if (c.input_step !== undefined) o.input_step = raw.get(c.input_step) ?? c.input_step;
      if (c.input !== undefined) o.input = c.input;
      return o;
    });
  }
  return out;
}

/** A port back to JSON: what was written, with the normalized fields that were set. */
export function portToJSON(port: IPortSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { ...port.source };
  const key = 'id' in port.source ? 'id' : 'name';
  out[key] = port.id;
  if ('type' in port.source || port.type !== 'python') out.type = port.type;
  if ('format' in port.source || port.format !== 'object') out.format = port.format;
  if (port.target !== 'memory' || 'target' in port.source) out.target = port.target;
  if (port.default !== undefined) out.default = port.default;
  if (port.filename !== undefined) out.filename = port.filename;
  return out;
}

/** Find a port by id; undefined when absent. */
export function findPort(ports: readonly IPortSpec[], id: string): IPortSpec | undefined {
  for (const p of ports) if (p.id === id) return p;
  return undefined;
}

namespace Private {
  export function object(v: unknown, path: string, what: string): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw new SpecError(`${path} must be ${what}, got ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`, {
        path,
      });
    }
    return v as Record<string, unknown>;
  }

  export function string(v: unknown, path: string): string {
    if (typeof v !== 'string') {
      throw new SpecError(`${path} must be a string, got ${v === null ? 'null' : typeof v} ${JSON.stringify(v)}`, { path });
    }
    return v;
  }

  export function boolean(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') throw new SpecError(`${path} must be true or false, got ${JSON.stringify(v)}`, { path });
    return v;
  }

  /** A limit in milliseconds: a finite number > 0. */
  export function milliseconds(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || !(v > 0)) {
      throw new SpecError(`${path} must be a number of milliseconds > 0, got ${JSON.stringify(v) ?? String(v)}`, { path });
    }
    return v;
  }

  export function array(v: unknown, path: string): unknown[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new SpecError(`${path} must be a list, got ${v === null ? 'null' : typeof v}`, { path });
    return v;
  }

  export function ports(v: unknown, path: string): IPortSpec[] {
    const out = array(v, path).map((p, i) => parsePort(p, `${path}[${i}]`));
    const seen = new Set<string>();
    out.forEach((p, i) => {
      if (seen.has(p.id)) throw new SpecError(`A port named "${p.id}" already exists`, { path: `${path}[${i}]`, port: p.id });
      seen.add(p.id);
    });
    return out;
  }

  export function steps(v: unknown, path: string): IStepSpec[] {
    const seen = new Set<string>();
    return array(v, path).map((s, i) => {
      const p = `${path}[${i}]`;
      const obj = object(s, p, 'a step object ({name, task})');
      if (obj.name === undefined || obj.name === null || obj.name === '') {
        throw new SpecError(`${p}.name is required`, { path: `${p}.name` });
      }
      const name = String(obj.name);
      if (seen.has(name)) throw new SpecError(`${name} is already in Workflow!`, { path: `${p}.name`, step: name });
      seen.add(name);
      const step: IStepSpec = { name, task: parseTask(obj.task, `${p}.task`), source: obj };
      if (obj.visualization === true) step.visualization = true;
      if (obj.timeout !== undefined) step.timeout = milliseconds(obj.timeout, `${p}.timeout`);
      if (obj.retries !== undefined) step.retries = parseRetries(obj.retries, `${p}.retries`, SpecError);
      return step;
    });
  }

  export function connections(v: unknown, path: string, steps: IStepSpec[]): IConnection[] {
    const byName = new Map(steps.map((s) => [s.name, s]));
    return array(v, path).map((c, i) => {
      const p = `${path}[${i}]`;
      const obj = object(c, p, 'a connection object');
      const conn: IConnection = {};
      for (const k of ['name', 'input', 'output'] as const) {
        if (obj[k] !== undefined) conn[k] = string(obj[k], `${p}.${k}`);
      }
      for (const k of ['input_step', 'output_step'] as const) {
        if (obj[k] === undefined) continue;
        const name = String(obj[k]);
        if (!byName.has(name)) {
          throw new SpecError(`${p}.${k} names step "${name}", which is not in the workflow (steps: ${[...byName.keys()].join(', ')})`, {
            path: `${p}.${k}`,
            step: name,
          });
        }
        conn[k] = name;
      }
      const hasIn = conn.input_step !== undefined && conn.input !== undefined;
      const hasOut = conn.output_step !== undefined && conn.output !== undefined;
      if (!(hasIn && (conn.name !== undefined || hasOut)) && !(hasOut && conn.name !== undefined)) {
        throw new SpecError(
          `${p} must connect a workflow input to a step ({name, input_step, input}), two steps ({output_step, output, input_step, input}) or a step to a workflow output ({output_step, output, name})`,
          { path: p },
        );
      }
      if (hasIn && !findPort(byName.get(conn.input_step!)!.task.inputs, conn.input!)) {
        throw new SpecError(`${p}.input: step "${conn.input_step}" has no input "${conn.input}"`, {
          path: `${p}.input`,
          step: conn.input_step,
          port: conn.input,
        });
      }
      if (hasOut && !findPort(byName.get(conn.output_step!)!.task.outputs, conn.output!)) {
        throw new SpecError(`${p}.output: step "${conn.output_step}" has no output "${conn.output}"`, {
          path: `${p}.output`,
          step: conn.output_step,
          port: conn.output,
        });
      }
      return conn;
    });
  }
}
