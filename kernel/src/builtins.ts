/**
 * What the `taskcell` package adds to every runner: the docker mode and the pools (`on: "threads"`,
 * `on: "redis://host:port"`). Each package loads when first used, so importing `taskcell` in a
 * cell stays fast (dockerode, bullmq and ioredis together take a second to load).
 */
import { addBuiltin } from '@taskcell/core';
import type { IMode, IWorkerPool, Runner } from '@taskcell/core';
import { outsideRequests } from './jupyter/output';

const docker = () => (require('@taskcell/docker') as typeof import('@taskcell/docker')).dockerMode;
const pool = () => require('@taskcell/pool') as typeof import('@taskcell/pool');

/** The docker mode, loaded on first use. */
const lazyDockerMode: IMode = {
  name: 'docker',
  check: (task, runner) => docker().check?.(task, runner),
  execute: (task, inputs, context) => docker().execute(task, inputs, context),
  cacheIdentity: (task) => docker().cacheIdentity?.(task) ?? { skip: 'the docker mode caches nothing' },
};

/** The `slicer_cli` mode (tasks made by `taskcell import IMAGE`), loaded on first use. */
let slicerMode: IMode | undefined;
const slicer = () => (slicerMode ??= (require('@taskcell/docker') as typeof import('@taskcell/docker')).createSlicerMode());
const lazySlicerMode: IMode = {
  name: 'slicer_cli',
  check: (task, runner) => slicer().check?.(task, runner),
  execute: (task, inputs, context) => slicer().execute(task, inputs, context),
  cacheIdentity: (task) => slicer().cacheIdentity?.(task) ?? { skip: 'the slicer_cli mode caches nothing' },
};

/** Register the docker and slicer_cli modes and the pools on a runner. */
export function registerTaskcellBuiltins(runner: Runner): void {
  runner.modes.register(lazyDockerMode);
  runner.modes.register(lazySlicerMode);
  runner.registerPool('threads', () => detached(new (pool().ThreadPool)({ cacheDir: runner.cacheDir })));
  runner.registerPool('redis', (on) => detached(new (pool().RemotePool)({ url: on })));
  runner.registerPool('rediss', (on) => detached(new (pool().RemotePool)({ url: on })));
}

/**
 * A pool lives across cells, and starts its threads and connections when a job first needs them:
 * it does so outside the cell that asked (see outsideRequests), so what its threads print later
 * goes to the cell running then, not to that first one.
 */
function detached<P extends IWorkerPool>(p: P): P {
  const run = p.run.bind(p);
  p.run = (task, inputs, options) => outsideRequests(() => run(task, inputs, options));
  return p;
}

addBuiltin(registerTaskcellBuiltins);
