/**
 * What the `taskcell` package adds to every runner: the docker mode and the pools (`on: "threads"`,
 * `on: "redis://host:port"`). Each package loads when first used, so importing `taskcell` in a
 * cell stays fast (dockerode, bullmq and ioredis together take a second to load).
 */
import { addBuiltin } from '@taskcell/core';
import type { IWorkerPool, Runner } from '@taskcell/core';
import { outsideRequests } from './jupyter/output';

import { lazyDockerMode, lazySlicerMode } from './docker-mode';

const pool = () => require('@taskcell/pool') as typeof import('@taskcell/pool');

/** Register the docker and slicer_cli modes and the pools on a runner. */
export function registerTaskcellBuiltins(runner: Runner): void {
  runner.modes.register(lazyDockerMode);
  runner.modes.register(lazySlicerMode);
  // Threads load the docker mode too, so a docker task runs on threads as it does in-process.
  const preload = [require.resolve('./docker-mode')];
  runner.registerPool('threads', () => detached(new (pool().ThreadPool)({ cacheDir: runner.cacheDir, preload })));
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
