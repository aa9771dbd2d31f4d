import type { Kernel } from '@jupyterlab/services';
import type { RerunHow } from './dag-view';
import { askKernel } from './kernel-request';

/** The kernel's comm target that re-runs a workflow from a step (one request per comm). */
export const RERUN_TARGET = 'taskcell.rerun';

/** The kernel's answer: the new job's id, or the typed error that stopped it from starting. */
export type RerunReply = { ok: true; jobId: string } | { ok: false; error: { code: string; message: string } };

/**
 * Ask the kernel to run the workflow of job `jobId` again, just `step` (`only`) or from `step` on
 * (`from`), with the same inputs; the other steps are served from its run records or result cache.
 * Resolves with the kernel's answer once the new job has started (its events then reach the
 * Tasks panel); rejects when the kernel closes the request unanswered (not a taskcell kernel).
 */
export function requestRerun(kernel: Kernel.IKernelConnection, jobId: string, step: string, how: RerunHow): Promise<RerunReply> {
  return askKernel<RerunReply>(kernel, RERUN_TARGET, { jobId, step, how }, 're-run');
}
