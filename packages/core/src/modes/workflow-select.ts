import { OptionError } from '../errors';
import { Job } from '../job';
import { NotServedError } from '../runs/not-served-error';
import { runRecorder } from '../runs/recorder';
import type { IBinding, ITaskSpec } from '../spec';
import type { IResolvedRunOptions, IResult, Runner } from '../runner';

/** Re-run part of a workflow: the other steps are served from the run records or the result cache. */
export interface IStepSelection {
  /** Run this step and every step downstream of it. */
  from?: string;
  /** Run just these steps. */
  only?: string[];
}

/** A workflow step as the selection sees it. */
export interface ISelectableStep {
  deps: Set<string>;
  dependants: string[];
  visualization: boolean;
}

/** What a re-run does with each step; a step in neither set is not needed and is left out. */
export interface ISelection {
  /** The steps that run. */
  run: Set<string>;
  /** The steps whose outputs are served from a run record or the result cache. */
  served: Set<string>;
}

/**
 * Which steps a re-run runs and which it serves. `from` runs the step and everything downstream;
 * `only` runs the steps named. Served: every other step that a run step or a workflow output
 * needs, directly or through other steps; steps nothing needs are left out. A served step
 * downstream of a run step is served only when its inputs came out as before (a record or cache
 * entry for them exists). Undefined when the options select nothing (the whole workflow runs).
 */
export function selectSteps(
  steps: ReadonlyMap<string, ISelectableStep>,
  producers: readonly string[],
  selection: IStepSelection,
  workflow: string,
): ISelection | undefined {
  const { from, only } = selection;
  if (from === undefined && only === undefined) return undefined;
  if (from !== undefined && only !== undefined) {
    throw new OptionError(`${workflow}: expected one of \`from\` and \`only\`, got both`, { option: 'from' });
  }
  if (only !== undefined && (!Array.isArray(only) || only.length === 0 || !only.every((s) => typeof s === 'string'))) {
    throw new OptionError(`${workflow}: expected \`only\` to be a list of step names, got ${JSON.stringify(only)}`, { option: 'only' });
  }
  const named = from !== undefined ? [from] : only!;
  for (const name of named) {
    const step = steps.get(name);
    const runnable = [...steps].filter(([, s]) => !s.visualization).map(([n]) => n);
    if (!step || step.visualization) {
      throw new OptionError(
        `${workflow} has no step "${name}" to run${step ? ' (it is a visualization)' : ''}; its steps are: ${runnable.join(', ') || 'none'}`,
        { option: from !== undefined ? 'from' : 'only', step: name },
      );
    }
  }
  const walk = (start: Iterable<string>, next: (s: string) => Iterable<string>): Set<string> => {
    const seen = new Set<string>();
    const stack = [...start];
    while (stack.length) {
      const s = stack.pop()!;
      for (const n of next(s)) {
        if (!seen.has(n)) {
          seen.add(n);
          stack.push(n);
        }
      }
    }
    return seen;
  };
  const up = (s: string) => steps.get(s)!.deps;
  const run = new Set(named);
  if (from !== undefined) for (const s of walk([from], (s) => steps.get(s)!.dependants)) run.add(s);
  const served = new Set([...walk(run, up), ...producers, ...walk(producers, up)]);
  for (const s of run) served.delete(s);
  // Visualization steps never run (and a named one was refused above).
  for (const s of served) if (steps.get(s)!.visualization) served.delete(s);
  return { run, served };
}

/**
 * Serve a step a re-run does not run: from the newest run record of the same task with the same
 * inputs (its job then sends RUNNING, a cache event `{hit: true, from: "record"}`, its outputs and
 * SUCCESS), else from the result cache (a job that runs nothing: its cache event names the layer).
 * Rejects with a NotServedError naming the step and its outputs when neither holds them.
 */
export async function serveStep(
  runner: Runner,
  task: ITaskSpec,
  inputs: Record<string, IBinding>,
  options: IResolvedRunOptions & { step: string },
): Promise<Record<string, unknown>> {
  const found = runRecorder()?.recorded(runner, task, inputs);
  if (!found) {
    // Served from the cache or not at all: nothing to retry.
    const r = await runner.execute(task, inputs, { ...options, on: undefined, retries: undefined, cacheOnly: true });
    return r.data;
  }
  const job = new Job({ task: task.name, parentId: options.parentId, step: options.step, onEvent: options.onEvent });
  job.to('RUNNING');
  job.cacheEvent({ hit: true, key: found.id, from: 'record' });
  const data: Record<string, unknown> = {};
  for (const port of task.outputs) {
    const o = found.outputs[port.id];
    data[port.id] = o.data;
    if (job.observed)
      job.outputEvent({ port: port.id, type: port.type, format: o.format ?? port.format, preview: Private.preview(o.data) });
  }
  job.to('SUCCESS');
  return data;
}

/** Keep a finished step's full outputs in the run records (when runs are recorded), for later re-runs to serve. */
export function keepStepRecord(runner: Runner, task: ITaskSpec, inputs: Record<string, IBinding>, result: IResult): void {
  runRecorder()?.keepStep(runner, task, inputs, result.jobId, result.outputs);
}

/** The error of a step served from the result cache that is not in it (the runner's `cacheOnly`). */
export function notServed(task: ITaskSpec, options: IResolvedRunOptions): NotServedError {
  const step = options.step ?? task.name ?? 'task';
  const outputs = task.outputs.map((p) => p.id).join(', ') || 'none';
  const records = runRecorder() ? 'the run records' : 'the run records (runs are not recorded: TASKCELL_RUNS=0 or no recorder)';
  return new NotServedError(
    `Step "${step}" is not re-run, so its outputs (${outputs}) must be served, but neither ${records} nor the result cache ` +
      `hold them for these inputs${task.name ? ` of task "${task.name}"` : ''}; run it too (\`from\` an earlier step, or add it to \`only\`), or run the whole workflow`,
    { step, task: task.name, outputs: task.outputs.map((p) => p.id) },
  );
}

namespace Private {
  export function preview(v: unknown): string | undefined {
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    if (s === undefined) return undefined;
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  }
}
