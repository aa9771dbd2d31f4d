/**
 * The thread that renders Vega-Lite charts to SVG for `display.vega` (see vega-svg.ts). Vega is
 * an ES module graph with top-level await, which `require` cannot load, so it is imported here,
 * once; each request answers on the port, then wakes the waiting kernel thread through the flag.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { IVegaSvgReply, IVegaSvgRequest } from './vega-svg';

const { port, flag } = workerData as { port: MessagePort; flag: Int32Array };
const libraries = Promise.all([import('vega'), import('vega-lite')]);

async function render(spec: Record<string, unknown>): Promise<string> {
  const [vega, vl] = await libraries;
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

port.on('message', (request: IVegaSvgRequest) => {
  render(request.spec)
    .then(
      (svg): IVegaSvgReply => ({ id: request.id, svg }),
      (err: unknown): IVegaSvgReply => ({ id: request.id, error: err instanceof Error ? err.message : String(err) }),
    )
    .then((reply) => {
      port.postMessage(reply);
      Atomics.store(flag, 0, request.id);
      Atomics.notify(flag, 0);
    });
});
parentPort?.postMessage('ready');
