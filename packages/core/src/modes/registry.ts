import { DuplicateError, OptionError } from '../errors';
import type { IDisposable } from '../events';
import type { Job } from '../job';
import type { IBinding, ITaskSpec } from '../spec';
import type { IResolvedRunOptions, Runner } from '../runner';

/** What a mode gets besides the task and its inputs. */
export interface IModeContext {
  job: Job;
  runner: Runner;
  options: IResolvedRunOptions;
  /** Output bindings the caller asked for (a workflow passes them on to no step; docker reads `_stdout`). */
  outputs: Record<string, IBinding>;
}

/** Whether a task's results may be cached, and the code that goes into the cache key. */
export type CacheIdentity = { code: string } | { skip: string };

/** One way to execute a task: javascript, workflow, docker, python... */
export interface IMode {
  name: string;
  /**
   * Run the task. `inputs` hold values in each port's format (paths for `filepath` ports); the
   * result maps output port ids to values in each port's format.
   */
  execute(task: ITaskSpec, inputs: Record<string, unknown>, context: IModeContext): unknown;
  /** Check a task before it runs; throw a typed error naming what is wrong. */
  check?(task: ITaskSpec, runner: Runner): void;
  /** What identifies the task's code for the result cache; absent means the mode is never cached. */
  cacheIdentity?(task: ITaskSpec): CacheIdentity;
}

/** The modes by name. Built-ins register through the same door as plugins. */
export class ModeRegistry {
  private modes = new Map<string, IMode>();

  register(mode: IMode): IDisposable {
    if (this.modes.has(mode.name)) throw new DuplicateError(`Mode "${mode.name}" is already registered`, { mode: mode.name });
    this.modes.set(mode.name, mode);
    let done = false;
    return {
      dispose: () => {
        if (done) return;
        done = true;
        if (this.modes.get(mode.name) === mode) this.modes.delete(mode.name);
      },
    };
  }

  has(name: string): boolean {
    return this.modes.has(name);
  }

  get(name: string, task?: string): IMode {
    const m = this.modes.get(name);
    if (!m) {
      throw new OptionError(
        `Unknown task mode "${name}"${task ? ` in task "${task}"` : ''}; registered modes: ${[...this.modes.keys()].join(', ')}`,
        { mode: name, task },
      );
    }
    return m;
  }
}
