import { NamedRegistry } from '../named-registry';
import type { Job } from '../job';
import type { IJobPlace } from '../events';
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
export type CacheIdentity = ({ code: string } | { skip: string }) & {
  /** True when the identity may change while the task stays the same (it reads its module's current values): asked again each run. */
  volatile?: boolean;
};

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
  /** Where the task's body runs when this mode leaves the runner's process (an interpreter, a container); absent: where the runner is. */
  place?(task: ITaskSpec): IJobPlace;
}

/** The task modes by name. Built-ins register through the same door as plugins. */
export class ModeRegistry extends NamedRegistry<IMode> {
  constructor() {
    super('task mode');
  }
}
