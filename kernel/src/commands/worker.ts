// The docker mode and the pools, for `--on threads` and docker tasks.
import '../builtins';
import { parseArgs } from 'node:util';
import { OptionError, useBundleDirectory } from '@taskcell/core';
import { RemoteWorker } from '@taskcell/pool';
import { allowHostAccess, removeDeadRunContainersAtStart } from '@taskcell/docker';

const HELP = `usage: taskcell worker --redis URL [--concurrency N] [--queue NAME] [--name NAME]
                       [--grace MS] [--heartbeat MS] [--lock MS] [--stalled MS] [--max-stalled N]
                       [--bundles DIR]... [--allow-host-access]

Takes jobs of a remote pool (run(..., {on: "redis://host:port"})) from Redis and runs them until
stopped. SIGTERM or SIGINT stops taking jobs, lets running ones finish for --grace ms, then hands
the rest back to the queue. A second signal stops at once (the queue re-runs its jobs elsewhere).

  --redis URL         redis://host:port (required)
  --concurrency N     jobs run at once (default 1)
  --queue NAME        the queue (default the URL's ?queue=, else taskcell)
  --name NAME         the name in the registry of live workers (default host-pid)
  --grace MS          how long running jobs may finish on shutdown (default 30000)
  --heartbeat MS      registry heartbeat period (default 2000)
  --lock MS           job lock duration; a dead worker's jobs return after it (default 30000)
  --stalled MS        how often to look for jobs of dead workers (default 30000)
  --max-stalled N     times a job may lose its worker before it fails (default 5)
  --bundles DIR       a folder of exported task bundles (taskcell export): a task whose bundle is not
                      at the path its spec names is looked up there by file name (repeatable)
  --allow-host-access trusted queues only: let docker tasks mount host paths, the Docker socket, add
                      capabilities, use host namespaces and devices (refused by default; see README,
                      Security; TASKCELL_DOCKER_POLICY=FILE names a policy file instead)

Whoever can write to the queue's Redis runs code as this worker's user: run it as an unprivileged
user, and give Redis a password (redis://:PASSWORD@host:port) and TLS (rediss://). Containers left
by workers that died are removed when a worker starts.`;

/** \`taskcell worker\`: a long-running worker of a remote pool. */
export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      redis: { type: 'string' },
      concurrency: { type: 'string' },
      queue: { type: 'string' },
      name: { type: 'string' },
      grace: { type: 'string' },
      heartbeat: { type: 'string' },
      lock: { type: 'string' },
      stalled: { type: 'string' },
      'max-stalled': { type: 'string' },
      'allow-host-access': { type: 'boolean' },
      bundles: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!values.redis) throw new OptionError(`taskcell worker needs --redis URL\n\n${HELP}`, {});
  const options: RemoteWorker.IOptions = {
    url: values.redis,
    onError: (err) => process.stderr.write(`taskcell worker: ${err.message}\n`),
  };
  if (values.queue !== undefined) options.queue = values.queue;
  if (values.name !== undefined) options.name = values.name;
  for (const [flag, key] of [
    ['concurrency', 'concurrency'],
    ['grace', 'grace'],
    ['heartbeat', 'heartbeat'],
    ['lock', 'lockDuration'],
    ['stalled', 'stalledInterval'],
    ['max-stalled', 'maxStalledCount'],
  ] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new OptionError(`Expected --${flag} to be an integer >= 0, got \`${v}\``, { option: flag });
    options[key] = n;
  }
  if (values['allow-host-access']) allowHostAccess();
  for (const dir of values.bundles ?? []) useBundleDirectory(dir);
  await removeDeadRunContainersAtStart();
  const worker = new RemoteWorker(options);
  await worker.start();
  process.stderr.write(`taskcell worker ${worker.name}: taking jobs from queue "${worker.queue}" at ${values.redis}\n`);
  return new Promise<number>(() => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`taskcell worker ${worker.name}: ${signal} again, stopping now\n`);
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`taskcell worker ${worker.name}: ${signal}, finishing running jobs\n`);
      // Exit as soon as the worker is closed: a job handed back may have left timers of its task behind.
      worker.close().then(
        () => {
          process.stderr.write(`taskcell worker ${worker.name}: stopped\n`);
          process.exit(0);
        },
        (err: Error) => {
          process.stderr.write(`taskcell worker ${worker.name}: shutdown: ${err.message}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
