import type { Kernel } from '@jupyterlab/services';
import type { JSONObject } from '@lumino/coreutils';

/**
 * One request on a comm of its own to the kernel's `target`: the kernel sends one message (the
 * answer), then closes the comm. Rejects when it closes the comm unanswered (not a taskcell
 * kernel); `what` names the request in that error.
 */
export function askKernel<T>(kernel: Kernel.IKernelConnection, target: string, request: JSONObject, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const comm = kernel.createComm(target);
    let answered = false;
    comm.onMsg = (msg) => {
      answered = true;
      resolve(msg.content.data as unknown as T);
    };
    comm.onClose = () => {
      if (!answered) reject(new Error(`The kernel closed the ${what} request without an answer (is it the taskcell kernel?)`));
    };
    comm.open(request);
  });
}
