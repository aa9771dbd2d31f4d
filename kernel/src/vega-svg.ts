import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { IVegaLiteSpec } from '@taskcell/display';
import { core } from './jupyter/core';

/** A render request to the chart thread. */
export interface IVegaSvgRequest {
  id: number;
  spec: Record<string, unknown>;
}

/** The chart thread's answer: the SVG, or why the spec did not render. */
export interface IVegaSvgReply {
  id: number;
  svg?: string;
  error?: string;
}

/**
 * Render a Vega-Lite spec to an SVG document with Vega's headless renderer, synchronously, so
 * `display.vega` keeps the order of a cell's outputs and finishes within its cell. Vega loads
 * only asynchronously, so the work runs on a thread kept for the kernel's life (unreferenced: it
 * never holds the process open) while this thread waits on a shared flag. Throws ValidationError
 * when the spec does not compile or render, TimeoutError when no answer comes in `timeoutMs`.
 */
export function vegaSvg(spec: IVegaLiteSpec, timeoutMs = Private.TIMEOUT_MS): string {
  const t = Private.thread();
  const id = ++t.last;
  const request: IVegaSvgRequest = { id, spec };
  t.port.postMessage(request);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (Atomics.load(t.flag, 0) !== id && left > 0) Atomics.wait(t.flag, 0, Atomics.load(t.flag, 0), left);
    const got = receiveMessageOnPort(t.port);
    if (got) {
      const reply = got.message as IVegaSvgReply;
      if (reply.id !== id) continue;
      if (reply.svg !== undefined) return reply.svg;
      const { ValidationError } = core();
      throw new ValidationError(`Expected a Vega-Lite spec that renders, got one that fails: ${reply.error ?? 'no reason given'}`, {
        type: 'vega-lite',
      });
    }
    if (Date.now() >= deadline) {
      const { TimeoutError } = core();
      throw new TimeoutError(`Expected the chart's SVG within ${timeoutMs} ms, got no answer from the renderer`, { type: 'vega-lite' });
    }
  }
}

namespace Private {
  /** The first chart also pays for loading Vega. */
  export const TIMEOUT_MS = 60_000;

  interface IThread {
    port: MessagePort;
    flag: Int32Array;
    last: number;
  }

  let current: IThread | undefined;

  export function thread(): IThread {
    if (current) return current;
    const { port1, port2 } = new MessageChannel();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(workerFile(), { workerData: { port: port2, flag }, transferList: [port2] });
    worker.unref();
    port1.unref();
    worker.on('error', () => {
      current = undefined;
    });
    worker.on('exit', () => {
      current = undefined;
    });
    current = { port: port1, flag, last: 0 };
    return current;
  }

  function workerFile(): string {
    const here = join(__dirname, 'vega-svg-worker.js');
    if (existsSync(here)) return here;
    return join(__dirname, '..', 'lib', 'vega-svg-worker.js');
  }
}
