import type { IPortSpec, ITaskSpec } from '../spec';
import { isAsyncIterable, joinItems, pump } from './channel';
import type { IStreamSink } from './channel';

/** True for a port declared `stream: true` (Girder Worker's flag). */
export function isStreamPort(port: IPortSpec): boolean {
  return port.source.stream === true;
}

/** True when a `stream: true` input is bound to a live stream (read while its producer runs) rather than a whole value. */
export function isLiveStream(port: IPortSpec, data: unknown): data is AsyncIterable<unknown> {
  return isStreamPort(port) && isAsyncIterable(data);
}

/**
 * After a task's body returned: each `stream: true` output given a sink (a streaming edge) gets the
 * items the body returned for it (an iterable or async iterable, drained with back-pressure; the
 * job runs until the reader has them) and is ended; a body that wrote into the sink itself returns
 * nothing for the port. Such outputs leave `produced`, and their ids come back. A streaming output
 * without a sink (a run's own result, a workflow output) is buffered into one value: strings
 * joined, bytes concatenated, other items as an array.
 */
export function settleStreams(
  task: ITaskSpec,
  produced: Record<string, unknown> | undefined,
  sinks: Record<string, IStreamSink> | undefined,
): Promise<Set<string> | undefined> | undefined {
  // Synchronous when there is nothing to stream: no extra turn for every other task.
  return task.outputs.some(isStreamPort) ? Private.settle(task, produced, sinks) : undefined;
}

namespace Private {
  export async function settle(
    task: ITaskSpec,
    produced: Record<string, unknown> | undefined,
    sinks: Record<string, IStreamSink> | undefined,
  ): Promise<Set<string> | undefined> {
    let streamed: Set<string> | undefined;
    for (const port of task.outputs) {
      if (!isStreamPort(port)) continue;
      const v = produced?.[port.id];
      const sink = sinks?.[port.id];
      if (sink) {
        if (v !== undefined && typeof v !== 'string' && (isAsyncIterable(v) || Array.isArray(v))) await pump(v, sink);
        else if (v !== undefined) await pump([v], sink);
        else sink.end();
        if (produced) delete produced[port.id];
        (streamed ??= new Set()).add(port.id);
      } else if (isAsyncIterable(v)) {
        const items: unknown[] = [];
        for await (const item of v) items.push(item);
        produced![port.id] = joinItems(items);
      }
    }
    return streamed;
  }
}
