/**
 * The docker mode, loaded on first use (dockerode takes a while to load). A thread of a ThreadPool
 * that loads this module (its `preload`) has the docker mode in its runner.
 */
import { isMainThread } from 'node:worker_threads';
import { addBuiltin } from '@taskcell/core';
import type { IMode } from '@taskcell/core';

const docker = () => (require('@taskcell/docker') as typeof import('@taskcell/docker')).dockerMode;

/** The docker mode, loading `@taskcell/docker` on first use. */
export const lazyDockerMode: IMode = {
  name: 'docker',
  check: (task, runner) => docker().check?.(task, runner),
  execute: (task, inputs, context) => docker().execute(task, inputs, context),
  cacheIdentity: (task) => docker().cacheIdentity?.(task) ?? { skip: 'the docker mode caches nothing' },
};

// Outside the main thread (a ThreadPool's thread), every runner made there gets the docker mode.
if (!isMainThread) {
  addBuiltin((runner) => runner.modes.register(lazyDockerMode));
}
