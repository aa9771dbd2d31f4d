/**
 * The container modes, `docker` and `slicer_cli` (tasks made by `taskcell import IMAGE`), loaded on
 * first use (dockerode takes a while to load). A thread of a ThreadPool that loads this module (its
 * `preload`) has both modes in its runner.
 */
import { isMainThread } from 'node:worker_threads';
import { addBuiltin } from '@taskcell/core';
import type { IMode } from '@taskcell/core';

const docker = () => require('@taskcell/docker') as typeof import('@taskcell/docker');

/** A mode named `name` that loads the real one with `load` when a task first needs it. */
function lazyMode(name: string, load: () => IMode): IMode {
  let mode: IMode | undefined;
  const real = (): IMode => (mode ??= load());
  return {
    name,
    check: (task, runner) => real().check?.(task, runner),
    execute: (task, inputs, context) => real().execute(task, inputs, context),
    cacheIdentity: (task) => real().cacheIdentity?.(task) ?? { skip: `the ${name} mode caches nothing` },
    // Where a job of the mode runs (a container of its image), for the events and the Tasks panel.
    place: (task) => real().place?.(task) ?? { kind: 'in-process' },
  };
}

/** The docker mode, loading `@taskcell/docker` on first use. */
export const lazyDockerMode = lazyMode('docker', () => docker().dockerMode);

/** The `slicer_cli` mode, loading `@taskcell/docker` on first use. */
export const lazySlicerMode = lazyMode('slicer_cli', () => docker().createSlicerMode());

// Outside the main thread (a ThreadPool's thread), every runner made there gets both modes.
if (!isMainThread) {
  addBuiltin((runner) => {
    runner.modes.register(lazyDockerMode);
    runner.modes.register(lazySlicerMode);
  });
}
