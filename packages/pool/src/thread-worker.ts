// The main of one ThreadPool thread. An entry point, not part of the package's API, so the barrel leaves it out.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { createRunner, serializeError, taskFromWire } from '@taskcell/core';
import type { IJobPlace, ITaskSpec } from '@taskcell/core';
import { packForThread, unpackFromThread } from './codec';
import type { Packed } from './codec';
import { executeWired } from './wire-job';
import { streamsFromPool } from './thread-streams';
import type { ThreadMessage } from './thread-pool';

const port = parentPort!;
const data = workerData as { cacheDir?: string; preload?: string[] };
for (const path of data.preload ?? []) require(path);
const runner = createRunner(data.cacheDir ? { cacheDir: data.cacheDir } : {});
const place: IJobPlace = { kind: 'thread', name: `thread-${threadId}` };
const tasks = new Map<number, ITaskSpec>();

let outbox: ThreadMessage.FromThread[] = [];

/** Replies go as one array per turn of the event loop (a postMessage costs more than a small task). */
function reply(m: ThreadMessage.FromThread): void {
  if (outbox.push(m) > 1) return;
  setImmediate(() => {
    const batch = outbox;
    outbox = [];
    port.postMessage(batch);
  });
}

port.on('message', (batch: ThreadMessage.ToThread[]) => {
  for (const m of batch) handle(m);
});

function handle(m: ThreadMessage.ToThread): void {
  if (m.t === 'task') {
    tasks.set(m.key, taskFromWire(JSON.parse(m.json)));
    return;
  }
  if (m.t === 'cancel') {
    runner.cancel(m.jobId);
    return;
  }
  const { id } = m;
  let p;
  let inputs = unpackFromThread(m.inputs) as Record<string, unknown>;
  let options = m.options;
  const streams = m.streams && streamsFromPool(inputs, m.streams);
  if (streams) {
    inputs = streams.inputs;
    if (streams.sinks) options = Object.assign({}, options, { streams: streams.sinks });
  }
  try {
    // No AbortSignal per job: a cancel reaches the job through runner.cancel(jobId), which costs nothing until used.
    p = executeWired(runner, tasks.get(m.key)!, inputs, options, {
      place,
      onEvent: m.observe ? (event) => reply({ t: 'event', id, event }) : undefined,
    });
  } catch (err) {
    p = Promise.reject(err);
  }
  p.then(
    (result) => {
      streams?.close();
      reply({ t: 'done', id, result: packForThread(result) as Packed });
    },
    (err: unknown) => {
      streams?.close(err);
      reply({ t: 'fail', id, error: serializeError(err) });
    },
  );
}
