import { OptionError, serializeError } from '@taskcell/core/lib/errors';
import type { IDisposable } from '@taskcell/core';
import type { CommManager } from './comms';
import { rerunJob } from '../rerun';
import type { IRerunRequest } from '../rerun';

/** The comm target of "Re-run this step" and "Re-run from here": one request per comm, answered with one message, then closed. */
export const RERUN_TARGET = 'taskcell.rerun';

/**
 * Answer re-run requests: the frontend opens a comm to `RERUN_TARGET` with `{jobId, step, how}`
 * (`how` is `only` or `from`); the kernel starts the workflow of that job again with `only: [step]`
 * or `from: step` and sends back `{ok: true, jobId}` (the new job, whose events reach the Tasks
 * panel as any job's) or `{ok: false, error}`, then closes the comm. It does not wait for the run.
 */
export function registerRerunTarget(comms: CommManager): IDisposable {
  return comms.registerTarget(RERUN_TARGET, (comm, data) => {
    try {
      comm.send({ ok: true, jobId: rerunJob(Private.request(data)) });
    } catch (err) {
      comm.send({ ok: false, error: serializeError(err) });
    }
    comm.close();
  });
}

namespace Private {
  export function request(data: unknown): IRerunRequest {
    const d = (data ?? {}) as Partial<Record<keyof IRerunRequest, unknown>>;
    if (typeof d.jobId !== 'string' || d.jobId === '')
      throw new OptionError(`Expected \`jobId\` to be a job id, got ${JSON.stringify(d.jobId)}`, {});
    if (typeof d.step !== 'string' || d.step === '')
      throw new OptionError(`Expected \`step\` to be a step name, got ${JSON.stringify(d.step)}`, {});
    if (d.how !== 'only' && d.how !== 'from')
      throw new OptionError(`Expected \`how\` to be "only" or "from", got ${JSON.stringify(d.how)}`, {});
    return { jobId: d.jobId, step: d.step, how: d.how };
  }
}
