import { MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { isAsyncIterable, portSink, portSource, pump } from '@taskcell/core';
import type { IBinding, IStreamSink } from '@taskcell/core';

/** A job's streams as they cross to a thread: one MessagePort per streaming input and per streaming output. */
export interface IThreadStreams {
  inputs: Record<string, MessagePort>;
  outputs: Record<string, MessagePort>;
}

/**
 * On the pool's side: each input bound to a live stream is read here and written into a port (its
 * binding goes without data), and each output sink is fed from a port, both with the credit-based
 * flow of `portSink`/`portSource`. Undefined when the job streams nothing, which costs one scan.
 */
export function streamsToThread(
  inputs: Record<string, IBinding>,
  sinks: Record<string, IStreamSink> | undefined,
): { inputs: Record<string, IBinding>; streams: IThreadStreams; transfer: MessagePort[] } | undefined {
  let streamed: Record<string, IBinding> | undefined;
  const streams: IThreadStreams = { inputs: {}, outputs: {} };
  const transfer: MessagePort[] = [];
  for (const [id, b] of Object.entries(inputs)) {
    if (!isAsyncIterable(b.data)) continue;
    streamed ??= { ...inputs };
    const { port1, port2 } = new MessageChannel();
    // A failure of the source reaches the thread through the port; nothing to do with it here.
    pump(b.data, portSink(port1)).catch(() => undefined);
    streamed[id] = { ...b, data: null };
    streams.inputs[id] = port2;
    transfer.push(port2);
  }
  for (const [id, sink] of Object.entries(sinks ?? {})) {
    const { port1, port2 } = new MessageChannel();
    pump(portSource(port1), sink).catch(() => undefined);
    streams.outputs[id] = port2;
    transfer.push(port2);
  }
  if (!transfer.length) return undefined;
  return { inputs: streamed ?? inputs, streams, transfer };
}

/**
 * On the thread: the inputs with their streams, the sinks to give the runner as `streams`, and
 * `close(error?)` for when the job has ended: its input streams stop (their writers stop waiting),
 * and after a failure its output streams fail with the job's error.
 */
export function streamsFromPool(
  inputs: Record<string, unknown>,
  streams: IThreadStreams,
): { inputs: Record<string, unknown>; sinks: Record<string, IStreamSink> | undefined; close(error?: unknown): void } {
  const withStreams = { ...inputs };
  for (const [id, port] of Object.entries(streams.inputs)) withStreams[id] = { ...(inputs[id] as IBinding), data: portSource(port) };
  const outs = Object.entries(streams.outputs);
  const sinks = outs.length ? Object.fromEntries(outs.map(([id, port]) => [id, portSink(port)])) : undefined;
  const close = (error?: unknown) => {
    for (const port of Object.values(streams.inputs)) port.close();
    if (error !== undefined) for (const s of Object.values(sinks ?? {})) s.fail(error);
  };
  return { inputs: withStreams, sinks, close };
}
