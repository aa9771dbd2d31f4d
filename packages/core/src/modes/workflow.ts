import { CanceledError, ConversionError, CycleError, MissingInputError, SpecError, WorkflowError, toTaskcellError } from '../errors';
import type { TaskcellError } from '../errors';
import { findPort } from '../spec';
import type { IBinding, IDataBinding, IPortSpec, ITaskSpec } from '../spec';
import type { Runner } from '../runner';
import type { IMode, IModeContext } from './registry';
import type { IRetryPolicy } from '../run/retry';
import { NotServedError } from '../runs/not-served-error';
import { keepStepRecord, selectSteps, serveStep } from './workflow-select';
import { CollectingSink, StreamChannel, teeSink } from '../streams/channel';
import type { IStreamSink } from '../streams/channel';
import { isStreamPort } from '../streams/ports';

/** Where a step input gets its data. */
type Source =
  | { kind: 'input'; name: string; port: IPortSpec }
  | { kind: 'step'; step: string; port: IPortSpec }
  | { kind: 'default'; binding: IDataBinding };

interface IPlanStep {
  name: string;
  rawName: unknown;
  task: ITaskSpec;
  visualization: boolean;
  /** The step's own limit and retry policy (the spec's step fields). */
  timeout?: number;
  retries?: IRetryPolicy;
  sources: Map<string, Source>;
  /** Steps this one waits for. */
  deps: Set<string>;
  /** Steps that wait for this one. */
  dependants: string[];
  /** Of `deps`, the steps that feed this one through streaming edges: it starts when they start. */
  streamDeps: Set<string>;
  /** This step's streaming outputs, by port id: the inputs they feed while it runs. */
  streamsTo: Map<string, Array<{ step: string; input: string }>>;
}

interface IPlan {
  steps: Map<string, IPlanStep>;
  /** Steps with no dependencies, in spec order. */
  roots: string[];
  outputs: Array<{ name: string; step: string; port: IPortSpec; wfPort: IPortSpec }>;
  edges: Array<[string, string]>;
  /** The edges that stream (both ends `stream: true`). */
  streams: Array<[string, string]>;
}

const plans = new WeakMap<ITaskSpec, IPlan>();

/**
 * `workflow`: a DAG of steps wired port to port. Independent steps run at once, up to a limit; a
 * step starts as soon as every step it depends on has finished. A failed step stops only the steps
 * that depend on it: the others run on, finished results are kept, and the WorkflowError says which
 * steps failed and which did not run. Each step is a job of its own, so steps are cached one by one.
 */
export const workflowMode: IMode = {
  name: 'workflow',

  check(task, runner) {
    plan(task, runner);
  },

  execute(task, inputs, context) {
    return execute(task, inputs, context);
  },
};

/** Build (once per spec) and check the plan: ports exist, types agree, inputs are fed, no cycle. */
function plan(task: ITaskSpec, runner: Runner): IPlan {
  const hit = plans.get(task);
  if (hit) return hit;
  const wf = task.name ? `Workflow "${task.name}"` : 'Workflow';
  const steps = new Map<string, IPlanStep>();
  for (const s of task.steps ?? []) {
    // Visualization steps are never executed, so they need no runnable task.
    if (!s.visualization) runner.check(s.task);
    steps.set(s.name, {
      name: s.name,
      rawName: s.source.name ?? s.name,
      task: s.task,
      visualization: s.visualization === true,
      timeout: s.timeout,
      retries: s.retries,
      sources: new Map(),
      deps: new Set(),
      dependants: [],
      streamDeps: new Set(),
      streamsTo: new Map(),
    });
  }
  const outputs: IPlan['outputs'] = [];
  const edges: Array<[string, string]> = [];
  const feed = (step: IPlanStep, portId: string, src: Source, where: string) => {
    const port = findPort(step.task.inputs, portId)!;
    if (step.sources.has(portId)) {
      throw new SpecError(`${where}: input "${portId}" of step "${step.name}" is already connected`, { step: step.name, port: portId });
    }
    if (src.kind !== 'default') {
      const from = src.port;
      if (from.type !== port.type) {
        throw new SpecError(
          `${where}: ${src.kind === 'step' ? `output "${from.id}" of step "${src.step}"` : `workflow input "${src.name}"`} is of type "${from.type}", but input "${portId}" of step "${step.name}" wants type "${port.type}"`,
          { step: step.name, port: portId, type: port.type, from: from.type },
        );
      }
      if (from.format !== port.format && !runner.formats.converterPath(port.type, from.format, port.format)) {
        throw new ConversionError(
          `${where}: no converter for type "${port.type}" from format "${from.format}" to "${port.format}" (input "${portId}" of step "${step.name}")`,
          { step: step.name, port: portId, type: port.type, format: from.format, to: port.format },
        );
      }
    }
    step.sources.set(portId, src);
  };

  (task.connections ?? []).forEach((c, i) => {
    const where = `${wf}, connection ${i}`;
    if (c.input_step !== undefined && c.output_step !== undefined) {
      const to = steps.get(c.input_step)!;
      const from = steps.get(c.output_step)!;
      const fromPort = findPort(from.task.outputs, c.output!)!;
      feed(to, c.input!, { kind: 'step', step: from.name, port: fromPort }, where);
      streamEdge(from, fromPort, to, findPort(to.task.inputs, c.input!)!, where);
      if (!to.deps.has(from.name)) {
        to.deps.add(from.name);
        from.dependants.push(to.name);
        edges.push([from.name, to.name]);
      }
    } else if (c.input_step !== undefined) {
      const wfPort = findPort(task.inputs, c.name!);
      if (!wfPort) {
        throw new SpecError(
          `${where} reads workflow input "${c.name}", which the workflow does not declare (inputs: ${task.inputs.map((p) => p.id).join(', ') || 'none'})`,
          {
            path: `connections[${i}].name`,
            port: c.name,
          },
        );
      }
      feed(steps.get(c.input_step)!, c.input!, { kind: 'input', name: c.name!, port: wfPort }, where);
    } else {
      const wfPort = findPort(task.outputs, c.name!);
      const step = steps.get(c.output_step!)!;
      const port = findPort(step.task.outputs, c.output!)!;
      if (!wfPort) {
        throw new SpecError(
          `${where} writes workflow output "${c.name}", which the workflow does not declare (outputs: ${task.outputs.map((p) => p.id).join(', ') || 'none'})`,
          {
            path: `connections[${i}].name`,
            port: c.name,
          },
        );
      }
      if (wfPort.type !== port.type) {
        throw new SpecError(
          `${where}: output "${port.id}" of step "${step.name}" is of type "${port.type}", but workflow output "${wfPort.id}" is "${wfPort.type}"`,
          {
            step: step.name,
            port: port.id,
          },
        );
      }
      outputs.push({ name: c.name!, step: step.name, port, wfPort });
    }
  });

  for (const step of steps.values()) {
    for (const port of step.task.inputs) {
      if (step.sources.has(port.id)) continue;
      if (port.default) step.sources.set(port.id, { kind: 'default', binding: port.default });
      else if (!step.visualization) {
        throw new MissingInputError(`${wf}: input "${port.id}" of step "${step.name}" is not connected and has no default`, {
          step: step.name,
          port: port.id,
          type: port.type,
          format: port.format,
        });
      }
    }
  }

  const roots = [...steps.values()].filter((s) => s.deps.size === 0).map((s) => s.name);
  checkAcyclic(steps, roots, wf);
  const streams: Array<[string, string]> = [];
  for (const step of steps.values()) {
    for (const from of step.streamDeps) {
      const whole = [...step.sources].find(([, src]) => src.kind === 'step' && src.step === from && !isStreamPort(src.port));
      if (whole) {
        throw new SpecError(
          `${wf}: step "${step.name}" reads a stream from step "${from}" and also its whole output "${(whole[1] as { port: IPortSpec }).port.id}" (input "${whole[0]}"), which comes only when that step ends; stream both or neither`,
          { step: step.name, port: whole[0] },
        );
      }
      streams.push([from, step.name]);
    }
  }
  const p: IPlan = { steps, roots, outputs, edges, streams };
  plans.set(task, p);
  return p;
}

/**
 * Note a step-to-step connection that streams (both ports `stream: true`): the consumer starts when
 * the producer starts and reads items while it runs. A streaming output that feeds an input wanting
 * a whole value is refused rather than buffered (say `stream: true` on the input, or not on the
 * output); items cross unconverted, so both ends need the same format. A whole value may feed a
 * streaming input: it is handed over, as any value, when its step ends.
 */
function streamEdge(from: IPlanStep, out: IPortSpec, to: IPlanStep, input: IPortSpec, where: string): void {
  if (!isStreamPort(out)) return;
  const context = { step: to.name, port: input.id, from: `${from.name}.${out.id}` };
  if (!isStreamPort(input)) {
    throw new SpecError(
      `${where}: output "${out.id}" of step "${from.name}" is a stream (stream: true), but input "${input.id}" of step "${to.name}" wants a whole value; declare the input stream: true, or the output not`,
      context,
    );
  }
  if (out.format !== input.format) {
    throw new SpecError(
      `${where}: the streaming edge from output "${out.id}" of step "${from.name}" (format "${out.format}") to input "${input.id}" of step "${to.name}" (format "${input.format}") needs one format at both ends: stream items are not converted`,
      { ...context, format: out.format, to: input.format },
    );
  }
  const readers = from.streamsTo.get(out.id) ?? [];
  readers.push({ step: to.name, input: input.id });
  from.streamsTo.set(out.id, readers);
  to.streamDeps.add(from.name);
}

/** Kahn's algorithm; what it cannot order holds a cycle, which is found and named. */
function checkAcyclic(steps: Map<string, IPlanStep>, roots: string[], wf: string): void {
  const indeg = new Map([...steps.values()].map((s) => [s.name, s.deps.size]));
  const queue = [...roots];
  let seen = 0;
  while (queue.length) {
    const n = queue.pop()!;
    seen++;
    for (const d of steps.get(n)!.dependants) {
      const k = indeg.get(d)! - 1;
      indeg.set(d, k);
      if (k === 0) queue.push(d);
    }
  }
  if (seen === steps.size) return;
  // Walk backwards along unresolved dependencies until a step repeats.
  const left = [...indeg].filter(([, k]) => k > 0).map(([n]) => n);
  const stack: string[] = [];
  const onStack = new Map<string, number>();
  let cur = left[0];
  while (!onStack.has(cur)) {
    onStack.set(cur, stack.length);
    stack.push(cur);
    cur = [...steps.get(cur)!.deps].find((d) => indeg.get(d)! > 0)!;
  }
  const cycle = stack.slice(onStack.get(cur)!).reverse();
  cycle.push(cycle[0]);
  throw new CycleError(`${wf} has a cycle: ${cycle.join(' -> ')}`, { cycle });
}

async function execute(task: ITaskSpec, inputs: Record<string, unknown>, ctx: IModeContext): Promise<Record<string, unknown>> {
  const { job, runner, options } = ctx;
  const p = plan(task, runner);
  const limit = options.concurrency ?? 16;
  if (!(Number.isInteger(limit) && limit >= 1)) {
    throw new SpecError(`Expected \`concurrency\` to be an integer >= 1, got \`${limit}\``, { option: 'concurrency' });
  }
  job.announceDag(
    p.streams.length ? { steps: [...p.steps.keys()], edges: p.edges, streams: p.streams } : { steps: [...p.steps.keys()], edges: p.edges },
  );
  // A re-run (`from`, `only`) runs some steps and serves the ones they need from records or the cache.
  const selection = selectSteps(
    p.steps,
    p.outputs.map((o) => o.step),
    options,
    task.name ? `Workflow "${task.name}"` : 'Workflow',
  );

  const results = new Map<string, Record<string, unknown>>();
  const failed: Array<{ step: string; error: TaskcellError }> = [];
  const blocked = new Set<string>();
  // A step waits for the steps it reads whole values from to end, and for those it streams from to start.
  const waiting = new Map([...p.steps.values()].map((s) => [s.name, s.deps.size - s.streamDeps.size]));
  const unstarted = new Map([...p.steps.values()].map((s) => [s.name, s.streamDeps.size]));
  /** The streams a step reads, by step and input, made when their producer starts. */
  const channels = new Map<string, Map<string, StreamChannel>>();
  /** Streaming outputs that are also workflow outputs, kept whole, by step and port. */
  const kept = new Map<string, CollectingSink>();
  const ready = p.roots.filter((n) => !p.steps.get(n)!.visualization).reverse();
  const stepOptions = {
    ...options,
    outputs: undefined,
    jobId: undefined,
    // The run's limit is the workflow job's own; each step has its own limit (and its task's).
    timeout: undefined,
    timeoutOf: 'step' as const,
    signal: undefined,
    from: undefined,
    only: undefined,
    parentId: job.jobId,
    parentJob: job,
  };
  // The steps a re-run names run again, whatever the result cache holds for them.
  const runOptions = selection ? { ...stepOptions, cache: false } : stepOptions;

  await new Promise<void>((resolve) => {
    let running = 0;
    const block = (name: string) => {
      for (const d of p.steps.get(name)!.dependants) {
        if (!blocked.has(d)) {
          blocked.add(d);
          block(d);
        }
      }
    };
    const runnable = (d: string) => waiting.get(d) === 0 && unstarted.get(d) === 0 && !blocked.has(d) && !p.steps.get(d)!.visualization;
    const done = (name: string) => {
      running--;
      for (const d of p.steps.get(name)!.dependants) {
        const step = p.steps.get(d)!;
        if (step.streamDeps.has(name)) continue;
        waiting.set(d, waiting.get(d)! - 1);
        // A step that streams from a running one starts at once, past the limit: its producer may be waiting for it to read.
        if (!runnable(d)) continue;
        if (step.streamDeps.size) start(d);
        else ready.push(d);
      }
      pump();
    };
    const start = (name: string) => {
      const step = p.steps.get(name)!;
      running++;
      const bindings: Record<string, IBinding> = {};
      const reads = channels.get(name);
      for (const [portId, src] of step.sources) {
        if (src.kind === 'input') bindings[portId] = { format: src.port.format, data: inputs[src.name] };
        else if (src.kind === 'step') {
          const data = step.streamDeps.has(src.step) ? reads!.get(portId) : results.get(src.step)![src.port.id];
          bindings[portId] = { format: src.port.format, data };
        }
      }
      const sinks = streamSinks(step);
      // A stream cannot be read twice: a step that streams in or out runs once.
      const streaming = sinks !== undefined || reads !== undefined;
      const ended = (data: Record<string, unknown> | undefined) => {
        finishReading(name);
        if (data) results.set(name, data);
        done(name);
      };
      const stepFailed = (err: unknown) => {
        const error = toTaskcellError(err, { step: name });
        finishReading(name);
        for (const s of Object.values(sinks ?? {})) s.fail(error);
        failed.push({ step: name, error });
        block(name);
        running--;
        pump();
      };
      const how = !selection || selection.run.has(name) ? 'run' : selection.served.has(name) ? 'serve' : 'leave';
      if (how === 'run') {
        const run = {
          ...runOptions,
          step: name,
          timeout: step.timeout,
          retries: streaming ? { max: 0 } : (options.retries ?? step.retries),
        };
        runner.execute(step.task, bindings, sinks ? { ...run, streams: sinks } : run).then((r) => {
          keepStepRecord(runner, step.task, bindings, r);
          ended(r.data);
        }, stepFailed);
      } else if (how === 'serve') serveStep(runner, step.task, bindings, { ...stepOptions, step: name }).then(ended, stepFailed);
      else void Promise.resolve().then(() => ended(undefined));
      for (const d of step.dependants) {
        if (!p.steps.get(d)!.streamDeps.has(name)) continue;
        unstarted.set(d, unstarted.get(d)! - 1);
        if (runnable(d)) start(d);
      }
    };
    /** The sinks of a step's streaming outputs: a channel to each reader, and a copy kept whole for a workflow output. */
    const streamSinks = (step: IPlanStep): Record<string, IStreamSink> | undefined => {
      if (step.streamsTo.size === 0) return undefined;
      const sinks: Record<string, IStreamSink> = {};
      for (const [portId, readers] of step.streamsTo) {
        const targets: IStreamSink[] = readers.map((r) => {
          const c = new StreamChannel();
          if (!channels.has(r.step)) channels.set(r.step, new Map());
          channels.get(r.step)!.set(r.input, c);
          return c;
        });
        if (p.outputs.some((o) => o.step === step.name && o.port.id === portId)) {
          const whole = new CollectingSink();
          kept.set(`${step.name}\0${portId}`, whole);
          targets.push(whole);
        }
        sinks[portId] = teeSink(targets);
      }
      return sinks;
    };
    /** A step that ended reads no more: its producers stop waiting for it. */
    const finishReading = (name: string) => {
      for (const c of channels.get(name)?.values() ?? []) c.close();
      channels.delete(name);
    };
    const pump = () => {
      while (running < limit && ready.length && !job.aborted) start(ready.pop()!);
      if (running === 0) resolve();
    };
    pump();
  });

  job.steps = Object.fromEntries(results);
  const outputs: Record<string, unknown> = {};
  for (const o of p.outputs) {
    const r = results.get(o.step);
    if (!r) continue;
    const whole = kept.get(`${o.step}\0${o.port.id}`);
    outputs[o.name] = await runner.formats.convert(o.port.type, o.port.format, o.wfPort.format, whole ? whole.value() : r[o.port.id], {
      step: o.step,
      port: o.name,
    });
  }
  const viz = [...p.steps.values()].filter((s) => s.visualization);
  if (viz.length) {
    outputs._visualizations = viz.map((s) => {
      const vinputs: Record<string, unknown> = {};
      for (const [portId, src] of s.sources) {
        const port = findPort(s.task.inputs, portId)!;
        const data =
          src.kind === 'input' ? inputs[src.name] : src.kind === 'step' ? results.get(src.step)?.[src.port.id] : src.binding.data;
        vinputs[portId] = { format: port.format, type: port.type, data };
      }
      return { mode: 'preset', type: s.rawName, inputs: vinputs };
    });
  }
  if (job.aborted) {
    throw job.abortReason instanceof Error ? job.abortReason : new CanceledError('Workflow was cancelled', { task: task.name });
  }
  if (failed.length) {
    // A step a re-run needed but could not serve says so itself.
    const unserved = failed.find((f) => f.error instanceof NotServedError);
    if (unserved) throw unserved.error;
    const notRun = [...p.steps.keys()].filter(
      (n) => !results.has(n) && !failed.some((f) => f.step === n) && !p.steps.get(n)!.visualization,
    );
    const first = failed[0];
    throw new WorkflowError(
      `${task.name ? `Workflow "${task.name}"` : 'Workflow'}: step "${first.step}" failed: ${first.error.message}` +
        `${
          failed.length > 1
            ? ` (and ${failed.length - 1} more step(s) failed: ${failed
                .slice(1)
                .map((f) => f.step)
                .join(', ')})`
            : ''
        }` +
        `${notRun.length ? `; not run: ${notRun.slice(0, 10).join(', ')}${notRun.length > 10 ? `, ... (${notRun.length} in all)` : ''}` : ''}` +
        `; finished: ${results.size} of ${p.steps.size} step(s)`,
      { task: task.name, step: first.step },
      failed,
      Object.fromEntries(results),
      notRun,
      outputs,
    );
  }
  return outputs;
}
