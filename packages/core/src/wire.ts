import { SpecError, TaskcellError } from './errors';
import { freeVariables } from './free-variables';
import { parseTask, taskToJSON } from './spec';
import type { ITaskSpec, TaskJSON } from './spec';
import { carryScope, reviveFunction } from './task-scope';

/** A task function uses what cannot leave the notebook (a cell's local variable, a live object), so it runs only here. */
export class CaptureError extends TaskcellError {
  override readonly code = 'taskcell:capture';
}

/**
 * A task as JSON that can cross to a thread or another machine: Girder Worker JSON, plus the
 * source of a function task under `function` and, when it uses helpers, constants or imports of
 * its module (a notebook's other cells), their declarations under `scope` (see `carryScope`); the
 * same, recursively, for workflow steps. What cannot travel (a variable no scope declares, a live
 * object, a package a worker may lack) throws a CaptureError naming each, before anything is sent.
 */
export function taskToWire(spec: ITaskSpec, where = 'on a worker'): TaskJSON {
  const json = taskToJSON(spec);
  if (spec.fn) {
    const fv = freeVariables(spec.fn);
    const name = spec.name ? `Task "${spec.name}"` : 'The task';
    if (!fv.parsed) {
      throw new CaptureError(`${name} has no readable source (a native or bound function), so it cannot run ${where}`, { task: spec.name });
    }
    const carried = carryScope(spec.fn);
    if (!carried.ok) throw Private.captureError(name, where, spec.name, carried.unresolved, carried.refused);
    json.function = Function.prototype.toString.call(spec.fn);
    if (carried.prelude) json.scope = carried.prelude;
  }
  if (spec.steps) {
    json.steps = spec.steps.map((s, i) => ({ ...(json.steps as Record<string, unknown>[])[i], task: taskToWire(s.task, where) }));
  }
  return json;
}

const revived = new Map<string, ITaskSpec>();

/** The task back from its wire form, its function rebuilt from source. Specs are memoized by their JSON. */
export function taskFromWire(json: TaskJSON): ITaskSpec {
  const key = JSON.stringify(json);
  const hit = revived.get(key);
  if (hit) return hit;
  const spec = parseTask(json);
  Private.revive(spec, json);
  if (revived.size > 1000) revived.clear();
  revived.set(key, spec);
  return spec;
}

namespace Private {
  export function captureError(
    name: string,
    where: string,
    task: string | undefined,
    unresolved: string[],
    refused: Array<{ name: string; reason: string }>,
  ): CaptureError {
    const captured = [...unresolved, ...refused.map((r) => r.name)];
    const list = (names: string[]) => names.map((n) => `\`${n}\``).join(', ');
    if (!refused.length) {
      return new CaptureError(
        `${name} uses ${list(unresolved)} from the notebook, so it cannot run ${where}: ` +
          `pass ${unresolved.length > 1 ? 'them' : 'it'} as ${unresolved.length > 1 ? 'inputs' : 'an input'}, or run the task in-process`,
        { task, captured },
      );
    }
    const parts = refused.map((r) => `\`${r.name}\` ${r.reason}`);
    if (unresolved.length)
      parts.push(`${list(unresolved)} ${unresolved.length > 1 ? 'are variables' : 'is a variable'} of a cell, not of the notebook`);
    return new CaptureError(`${name} cannot run ${where}: ${parts.join('; ')}. Pass plain data as inputs, or run the task in-process`, {
      task,
      captured,
      refused: Object.fromEntries(refused.map((r) => [r.name, r.reason])),
    });
  }

  export function revive(spec: ITaskSpec, json: TaskJSON): void {
    if (typeof json.function === 'string') {
      try {
        spec.fn = reviveFunction(json.function, typeof json.scope === 'string' ? json.scope : undefined) as ITaskSpec['fn'];
      } catch (err) {
        throw new SpecError(`The function of task "${spec.name ?? '(unnamed)'}" does not compile here: ${(err as Error).message}`, {
          task: spec.name,
          path: 'function',
        });
      }
    }
    spec.steps?.forEach((s, i) => revive(s.task, (json.steps as Array<{ task: TaskJSON }>)[i].task));
  }
}
