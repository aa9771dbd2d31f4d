/**
 * @taskcell/pool: where tasks run besides the kernel's process: a ThreadPool (worker_threads) and a
 * RemotePool on BullMQ/Redis with its `taskcell worker` runtime. The thread main (`thread-worker`)
 * is an entry point, not API, so it is not exported here.
 */
export * from './errors';
export * from './codec';
export * from './artifact-store';
export * from './wire-job';
export * from './thread-pool';
export * from './remote-protocol';
export * from './worker-registry';
export * from './remote-pool';
export * from './remote-worker';
export * from './register';
export * from './result-store';
export * from './shared-bundles';
