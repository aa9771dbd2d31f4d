import { SpecError, TaskcellError } from './errors';
import { freeVariables } from './free-variables';
import { parseTask, taskToJSON } from './spec';
import type { ITaskSpec, TaskJSON } from './spec';

/** A task function uses names from the notebook, so it cannot run anywhere but here. */
export class CaptureError extends TaskcellError {
  override readonly code = 'taskcell:capture';
}

/**
 * A task as JSON that can cross to a thread or another machine: Girder Worker JSON, plus the
 * source of a function task under `function` (and the same, recursively, for workflow steps).
 * A function that captures variables from its scope cannot travel: this throws a CaptureError
 * listing them, and saying to pass them as inputs.
 */
export function taskToWire(spec: ITaskSpec, where = 'on a worker'): TaskJSON {
  const json = taskToJSON(spec);
  if (spec.fn) {
    const fv = freeVariables(spec.fn);
    const name = spec.name ? `Task "${spec.name}"` : 'The task';
    if (!fv.parsed) {
      throw new CaptureError(`${name} has no readable source (a native or bound function), so it cannot run ${where}`, { task: spec.name });
    }
    if (fv.captured.length) {
      throw new CaptureError(
        `${name} uses ${fv.captured.map((n) => `\`${n}\``).join(', ')} from the notebook, so it cannot run ${where}: ` +
          `pass ${fv.captured.length > 1 ? 'them' : 'it'} as ${fv.captured.length > 1 ? 'inputs' : 'an input'}, or run the task in-process`,
        { task: spec.name, captured: fv.captured },
      );
    }
    json.function = Function.prototype.toString.call(spec.fn);
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
  export function revive(spec: ITaskSpec, json: TaskJSON): void {
    if (typeof json.function === 'string') {
      try {
        // The source came from a function of the same program; it is code, not data, by design.
        spec.fn = new Function(`return (${json.function});`)() as ITaskSpec['fn'];
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
