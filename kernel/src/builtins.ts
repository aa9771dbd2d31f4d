/**
 * What the `taskcell` package adds to every runner: the docker mode and the pools (`on: "threads"`,
 * `on: "redis://host:port"`). Each package loads when first used, so importing `taskcell` in a
 * cell stays fast (dockerode, bullmq and ioredis together take a second to load).
 */
import { addBuiltin } from '@taskcell/core';
import type { IMode, Runner } from '@taskcell/core';

const docker = () => (require('@taskcell/docker') as typeof import('@taskcell/docker')).dockerMode;
const pool = () => require('@taskcell/pool') as typeof import('@taskcell/pool');

/** The docker mode, loaded on first use. */
const lazyDockerMode: IMode = {
  name: 'docker',
  check: (task, runner) => docker().check?.(task, runner),
  execute: (task, inputs, context) => docker().execute(task, inputs, context),
  cacheIdentity: (task) => docker().cacheIdentity?.(task) ?? { skip: 'the docker mode caches nothing' },
};

/** Register the docker mode and the pools on a runner. */
export function registerTaskcellBuiltins(runner: Runner): void {
  runner.modes.register(lazyDockerMode);
  runner.registerPool('threads', () => new (pool().ThreadPool)({ cacheDir: runner.cacheDir }));
  runner.registerPool('redis', (on) => new (pool().RemotePool)({ url: on }));
  runner.registerPool('rediss', (on) => new (pool().RemotePool)({ url: on }));
}

addBuiltin(registerTaskcellBuiltins);
