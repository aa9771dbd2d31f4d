import { DuplicateError, OptionError, SpecError } from './errors';
import { isBinding } from './io/bindings';
import { findPort, parseDefault, parseTask, taskToJSON } from './spec';
import type { IBinding, IConnection, IDataBinding, IPortSpec, ITaskSpec, PortTarget, TaskJSON } from './spec';
import type { ITaskContext } from './job';
import type { FormatValue, TypeName, TypeValue } from './types';
import type { IRetryOptions } from './run/retry';

/** A port declaration: a type name (`"number_list"`), `"type:format"` (`"table:csv"`), or an object. */
export type PortDecl = TypeName | `${TypeName}:${string}` | IPortDecl;

/** The object form of a port declaration. */
export interface IPortDecl {
  type: TypeName | (string & {});
  /** Defaults to the type's native format. */
  format?: string;
  /** `filepath`: the task gets (or gives) a path to a file instead of a value. */
  target?: PortTarget;
  /** A value in the port's format, or a binding `{format, data}`. */
  default?: unknown;
  filename?: string;
  description?: string;
  /** Girder Worker's `stream: true`: the port carries items while its task runs (an async iterable of them in JavaScript). */
  stream?: boolean;
}

/** The TypeScript type a port declaration gives its value. */
export type DeclValue<D> = D extends { stream: true; type: infer T }
  ? AsyncIterable<TypeValue<T>>
  : D extends { target: 'filepath' }
    ? string
    : D extends { type: infer T extends string; format: infer F extends string }
      ? FormatValue<T, F>
      : D extends { type: infer T }
        ? TypeValue<T>
        : D extends `${infer T}:${infer F}`
          ? FormatValue<T, F>
          : TypeValue<D>;

/** The values of a set of ports. */
export type PortValues<P> = { [K in keyof P]: DeclValue<P[K]> };

type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;

/** What a task function may return: all outputs as an object, or, with exactly one output, its value. */
export type TaskReturn<O> = PortValues<O> | (keyof O extends never ? void : true extends IsUnion<keyof O> ? never : DeclValue<O[keyof O]>);

/** A task body. */
export type TaskBody<I, O> = (inputs: PortValues<I>, context: ITaskContext) => TaskReturn<O> | Promise<TaskReturn<O>>;

/** How `task()` is called. */
export interface ITaskOptions<I, O> {
  name?: string;
  description?: string;
  inputs?: I;
  outputs?: O;
  /** False keeps this task's results out of the result cache (for tasks with side effects or randomness). */
  cache?: boolean;
  /** A mode other than javascript (python, docker...) with its own fields. */
  mode?: string;
  /** A script instead of a function (javascript: inputs are variables, outputs are read back). */
  script?: string;
  /** Milliseconds a run may take (the spec's `"timeout"`); a smaller step or run limit wins. */
  timeout?: number;
  /** How a failed run is tried again: `{ max, backoff: "fixed" | "exponential", delay, maxDelay, on }`. */
  retries?: IRetryOptions;
  [field: string]: unknown;
}

/** Something that describes a task: a built Task or Workflow, or its JSON. */
export interface ITaskLike {
  readonly spec: ITaskSpec;
}

/** A typed task. `I` and `O` are its port declarations. */
export class Task<I = Record<string, PortDecl>, O = Record<string, PortDecl>> implements ITaskLike {
  /** Phantom fields carrying the port types; never set. */
  declare readonly __inputs: PortValues<I>;
  declare readonly __outputs: PortValues<O>;
  readonly spec: ITaskSpec;

  constructor(spec: ITaskSpec) {
    this.spec = spec;
  }

  get name(): string | undefined {
    return this.spec.name;
  }

  /** Girder Worker JSON for this task (a function task keeps its source in `script`). */
  toJSON(): TaskJSON {
    const json = taskToJSON(this.spec);
    if (this.spec.fn && json.script === undefined) json.function = Function.prototype.toString.call(this.spec.fn);
    return json;
  }
}

/** How a workflow step runs, besides its task: `.step("fit", fit, { timeout: 60_000, retries: { max: 2 } })`. */
export interface IStepOptions {
  /** A Girder Worker visualization step: not executed, its inputs are reported instead. */
  visualization?: boolean;
  /** Milliseconds the step may take (the task's own `timeout` still holds when smaller). */
  timeout?: number;
  /** The step's retry policy, in place of its task's. */
  retries?: IRetryOptions;
}

/** A step as the builder keeps it. */
interface IBuiltStep {
  name: string;
  task: ITaskSpec;
  visualization: boolean;
  timeout?: number;
  retries?: IRetryOptions;
}

/**
 * Declare a task. Ports are typed through the type map: `task({inputs: {xs: "number_list"},
 * outputs: {total: "number"}}, ({xs}) => xs.reduce((a, b) => a + b, 0))` gives `xs` the type
 * `number[]` and checks that the body returns a number.
 */
export function task<const I extends Record<string, PortDecl> = {}, const O extends Record<string, PortDecl> = {}>(
  options: ITaskOptions<I, O>,
  body?: TaskBody<NoInfer<I>, NoInfer<O>>,
): Task<I, O> {
  const { inputs, outputs, name, description, cache, mode, script, ...rest } = options;
  const json: Record<string, unknown> = {
    ...rest,
    mode: mode ?? 'javascript',
    inputs: Private.ports(inputs ?? {}, 'inputs'),
    outputs: Private.ports(outputs ?? {}, 'outputs'),
  };
  if (name !== undefined) json.name = name;
  if (description !== undefined) json.description = description;
  if (cache !== undefined) json.cache = cache;
  if (script !== undefined) json.script = script;
  const spec = parseTask(json);
  if (body) {
    if (typeof body !== 'function') throw new OptionError(`Expected the task body to be a function, got ${typeof body}`, { task: name });
    spec.fn = body as unknown as ITaskSpec['fn'];
  } else if (script === undefined && spec.mode === 'javascript') {
    throw new SpecError(`Task${name ? ` "${name}"` : ''} needs a body: pass a function as the second argument, or a "script"`, {
      task: name,
    });
  }
  return new Task<I, O>(spec);
}

type AnyTask = Task<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- any task fits a step
type OutDecls<T> = T extends Task<any, infer O> ? O : never; // eslint-disable-line @typescript-eslint/no-explicit-any
type InDecls<T> = T extends Task<infer I, any> ? I : never; // eslint-disable-line @typescript-eslint/no-explicit-any

/** `"step.port"` for every output port of every step. */
export type OutPath<S> = { [K in keyof S & string]: `${K}.${keyof OutDecls<S[K]> & string}` }[keyof S & string];

/** The type name a port declaration gives its port (`"image:png"` and `{ type: "image" }` are both `image`). */
export type DeclType<D> = D extends { type: infer T extends string }
  ? T
  : D extends `${infer T}:${string}`
    ? T
    : D extends string
      ? D
      : string;

type TypeAt<S, F> = F extends `${infer K}.${infer P}`
  ? K extends keyof S
    ? P extends keyof OutDecls<S[K]>
      ? DeclType<OutDecls<S[K]>[P]>
      : never
    : never
  : never;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * `"step.port"` for every input port of the same type as the output at `F`, whatever the two
 * formats: the runner converts between formats of a type along the shortest converter path.
 */
export type InPathFor<S, F> = {
  [K in keyof S & string]: {
    [P in keyof InDecls<S[K]> & string]: Same<DeclType<InDecls<S[K]>[P]>, TypeAt<S, F>> extends true ? `${K}.${P}` : never;
  }[keyof InDecls<S[K]> & string];
}[keyof S & string];

/**
 * Build a workflow step by step. Ports no connection feeds become workflow inputs and unconsumed
 * outputs become workflow outputs, named after the port, or `step.port` when another step has an
 * open port of the same name (Girder Worker's rule). Ports of one type connect whatever their formats
 * (the runner converts); connecting ports of different types is a compile error where the types are
 * known, and a SpecError when the workflow is built.
 */
export class Workflow<S extends Record<string, AnyTask> = {}> implements ITaskLike {
  private steps: IBuiltStep[] = [];
  private stepIndex = new Map<string, IBuiltStep>();
  private wires: Array<{ from: string; out: string; to: string; in: string }> = [];
  /** `step\0port` of every wired input and output, so building stays linear in the workflow's size. */
  private wiredIn = new Set<string>();
  private wiredOut = new Set<string>();
  private defaults = new Map<string, unknown>();
  private built: ITaskSpec | undefined;
  private readonly name: string | undefined;

  constructor(name?: string) {
    this.name = name;
  }

  /** Add a step (Girder Worker's `add_task`). */
  step<N extends string, T extends AnyTask>(name: N, task: T | ITaskLike | TaskJSON, options?: IStepOptions): Workflow<S & Record<N, T>> {
    if (this.stepIndex.has(name)) throw new DuplicateError(`${name} is already in Workflow!`, { step: name });
    const spec = Private.specOf(task, `step "${name}"`);
    const entry: IBuiltStep = { name, task: spec, visualization: options?.visualization === true };
    if (options?.timeout !== undefined) entry.timeout = options.timeout;
    if (options?.retries !== undefined) entry.retries = options.retries;
    this.steps.push(entry);
    this.stepIndex.set(name, entry);
    this.built = undefined;
    return this as unknown as Workflow<S & Record<N, T>>;
  }

  /**
   * Wire an output to an input: `connect("a.out", "b.in")`, or Girder Worker's
   * `connect("a", "b", {out: "in"})` for several ports at once.
   */
  connect<F extends OutPath<S>>(from: F, to: InPathFor<S, F>): this;
  connect(fromStep: keyof S & string, toStep: keyof S & string, mapping: Record<string, string>): this;
  connect(a: string, b: string, mapping?: Record<string, string>): this {
    const pairs: Array<[string, string, string, string]> = [];
    if (mapping) {
      for (const [out, inp] of Object.entries(mapping)) pairs.push([a, out, b, inp]);
    } else {
      const [fs, fp] = Private.split(a, 'connect: from');
      const [ts, tp] = Private.split(b, 'connect: to');
      pairs.push([fs, fp, ts, tp]);
    }
    for (const [fs, fp, ts, tp] of pairs) {
      const from = this.find(fs);
      const to = this.find(ts);
      const out = findPort(from.task.outputs, fp);
      const inp = findPort(to.task.inputs, tp);
      if (!out)
        throw new SpecError(`Step "${fs}" has no output "${fp}" (outputs: ${from.task.outputs.map((p) => p.id).join(', ') || 'none'})`, {
          step: fs,
          port: fp,
        });
      if (!inp)
        throw new SpecError(`Step "${ts}" has no input "${tp}" (inputs: ${to.task.inputs.map((p) => p.id).join(', ') || 'none'})`, {
          step: ts,
          port: tp,
        });
      if (out.type !== inp.type) {
        throw new SpecError(`Cannot connect ${fs}.${fp} (type "${out.type}") to ${ts}.${tp} (type "${inp.type}")`, {
          step: ts,
          port: tp,
          type: inp.type,
        });
      }
      if (this.wiredIn.has(`${ts}\0${tp}`)) {
        throw new SpecError(`Input ${ts}.${tp} is already connected`, { step: ts, port: tp });
      }
      this.wires.push({ from: fs, out: fp, to: ts, in: tp });
      this.wiredIn.add(`${ts}\0${tp}`);
      this.wiredOut.add(`${fs}\0${fp}`);
    }
    this.built = undefined;
    return this;
  }

  /** Give a workflow input a default (Girder Worker's `set_default`): a value or a binding `{format, data}`. */
  default(input: string, value: unknown): this {
    this.defaults.set(input, value);
    this.built = undefined;
    return this;
  }

  /** The normalized spec, with the derived inputs, outputs and connections. */
  get spec(): ITaskSpec {
    if (!this.built) {
      const spec = parseTask(this.toJSON());
      // Keep each step's own spec (with its function, and its identity for the caches).
      spec.steps!.forEach((s, i) => (s.task = this.steps[i].task));
      this.built = spec;
    }
    return this.built;
  }

  /** Girder Worker workflow JSON. */
  toJSON(): TaskJSON {
    const openIn: Array<{ step: string; port: IPortSpec }> = [];
    const openOut: Array<{ step: string; port: IPortSpec }> = [];
    for (const s of this.steps) {
      for (const p of s.task.inputs) if (!this.wiredIn.has(`${s.name}\0${p.id}`)) openIn.push({ step: s.name, port: p });
      for (const p of s.task.outputs) if (!this.wiredOut.has(`${s.name}\0${p.id}`)) openOut.push({ step: s.name, port: p });
    }
    const count = (list: typeof openIn) => {
      const m = new Map<string, number>();
      for (const o of list) m.set(o.port.id, (m.get(o.port.id) ?? 0) + 1);
      return m;
    };
    const inCount = count(openIn);
    const outCount = count(openOut);
    const exposed = (list: typeof openIn, e: (typeof openIn)[number]) =>
      ((list === openIn ? inCount : outCount).get(e.port.id) ?? 0) > 1 ? `${e.step}.${e.port.id}` : e.port.id;
    const inputs: Record<string, unknown>[] = [];
    const outputs: Record<string, unknown>[] = [];
    const connections: IConnection[] = [];
    for (const e of openIn) {
      const name = exposed(openIn, e);
      const port: Record<string, unknown> = { name, type: e.port.type, format: e.port.format };
      if (this.defaults.has(name)) port.default = Private.defaultBinding(this.defaults.get(name), e.port);
      else if (e.port.default) port.default = e.port.default;
      inputs.push(port);
      connections.push({ name, input_step: e.step, input: e.port.id });
    }
    const inputNames = new Set(inputs.map((p) => p.name));
    for (const [name] of this.defaults) {
      if (!inputNames.has(name)) {
        throw new SpecError(
          `default("${name}"): the workflow has no open input of that name (open inputs: ${inputs.map((p) => p.name).join(', ') || 'none'})`,
          { port: name },
        );
      }
    }
    for (const w of this.wires) connections.push({ output_step: w.from, output: w.out, input_step: w.to, input: w.in });
    for (const e of openOut) {
      const name = exposed(openOut, e);
      outputs.push({ name, type: e.port.type, format: e.port.format });
      connections.push({ name, output_step: e.step, output: e.port.id });
    }
    const json: TaskJSON = {
      mode: 'workflow',
      inputs,
      outputs,
      steps: this.steps.map((s) => {
        const step: Record<string, unknown> = { name: s.name, task: taskToJSON(s.task) };
        if (s.visualization) step.visualization = true;
        if (s.timeout !== undefined) step.timeout = s.timeout;
        if (s.retries !== undefined) step.retries = s.retries;
        return step;
      }),
      connections,
    };
    if (this.name !== undefined) json.name = this.name;
    return json;
  }

  private find(name: string): { name: string; task: ITaskSpec } {
    const s = this.stepIndex.get(name);
    if (!s) throw new SpecError(`No step named "${name}" (steps: ${this.steps.map((x) => x.name).join(', ') || 'none'})`, { step: name });
    return s;
  }
}

/** A workflow whose steps are not known to the compiler, for workflows built in a loop. */
export type AnyWorkflow = Workflow<Record<string, AnyTask>>;

/** Start a workflow: `workflow("scores").step("a", t1).step("b", t2).connect("a.out", "b.in")`. */
export function workflow(name?: string): Workflow {
  return new Workflow(name);
}

/** The normalized spec of anything that describes a task. */
export function toSpec(task: ITaskLike | ITaskSpec | TaskJSON, what = 'task'): ITaskSpec {
  return Private.specOf(task, what);
}

namespace Private {
  const parsed = new WeakMap<object, ITaskSpec>();

  export function ports(decls: Record<string, PortDecl>, where: string): Record<string, unknown>[] {
    return Object.entries(decls).map(([id, d]) => {
      if (typeof d === 'string') {
        const [type, format] = d.split(':');
        return format ? { name: id, type, format } : { name: id, type, format: Private.native(type) };
      }
      if (d === null || typeof d !== 'object' || typeof d.type !== 'string') {
        throw new SpecError(`${where}.${id} must be a type name, "type:format" or {type, format?}, got ${JSON.stringify(d)}`, {
          path: `${where}.${id}`,
          port: id,
        });
      }
      const port: Record<string, unknown> = { name: id, type: d.type, format: d.format ?? Private.native(d.type) };
      if (d.target !== undefined) port.target = d.target;
      if (d.filename !== undefined) port.filename = d.filename;
      if (d.description !== undefined) port.description = d.description;
      if (d.stream !== undefined) port.stream = d.stream;
      if (d.default !== undefined) port.default = defaultBinding(d.default, { format: port.format as string });
      return port;
    });
  }

  /** The native format of a type, known before any registry exists: the type name, with Girder Worker's exceptions. */
  export function native(type: string): string {
    return NATIVE[type] ?? type;
  }

  const NATIVE: Record<string, string> = {
    string: 'text',
    table: 'rows',
    tree: 'nested',
    graph: 'networkx',
    image: 'pil',
    directory: 'path',
    python: 'object',
  };

  export function defaultBinding(value: unknown, port: { format: string }): IDataBinding {
    return isBinding(value) && 'data' in value ? parseDefault(value, port, 'default') : { format: port.format, data: value };
  }

  export function split(path: string, what: string): [string, string] {
    const i = path.indexOf('.');
    if (i <= 0 || i === path.length - 1) throw new SpecError(`${what} must be "step.port", got ${JSON.stringify(path)}`, { path });
    return [path.slice(0, i), path.slice(i + 1)];
  }

  export function specOf(task: ITaskLike | ITaskSpec | TaskJSON | IBinding, what: string): ITaskSpec {
    if (task && typeof task === 'object' && 'spec' in task && (task as ITaskLike).spec && typeof (task as ITaskLike).spec === 'object') {
      return (task as ITaskLike).spec;
    }
    if (
      task &&
      typeof task === 'object' &&
      'source' in task &&
      Array.isArray((task as ITaskSpec).inputs) &&
      typeof (task as ITaskSpec).mode === 'string'
    ) {
      return task as ITaskSpec;
    }
    const hit = parsed.get(task as object);
    if (hit) return hit;
    if (task === null || typeof task !== 'object')
      throw new SpecError(`Expected a task for ${what}, got ${task === null ? 'null' : typeof task}`, {});
    const spec = parseTask(task);
    parsed.set(task as object, spec);
    return spec;
  }
}
