/**
 * Re-running a workflow of this kernel from one of its steps: what the Tasks panel's DAG asks for
 * ("Re-run this step", "Re-run from here").
 */
import { randomUUID } from 'node:crypto';
import { OptionError, parseTask, restoreSecrets, runRecord } from '@taskcell/core';
import type { IRunOptions } from '@taskcell/core';
import { run, runStartOf } from './run';
import type { IRunStart } from './run';

/** Which job to run again, and how: just `step` (`only`), or `step` and everything downstream (`from`). */
export interface IRerunRequest {
  jobId: string;
  step: string;
  how: 'only' | 'from';
}

/**
 * Start the workflow job `jobId` ran again, with the same inputs and place, running `step` only or
 * from `step` on and serving the other steps from the run records or the result cache. The job is
 * one a `run()` of this kernel started, or else one the run records keep with its spec and inputs.
 * Returns the new job's id at once; the run goes on, and its end (a failure included) shows in the
 * Tasks panel.
 */
export function rerunJob(request: IRerunRequest): string {
  const start = runStartOf(request.jobId) ?? Private.fromRecord(request.jobId);
  if (start.spec.mode !== 'workflow' || start.inputs === undefined) {
    throw new OptionError(`Job "${request.jobId}" is not a workflow run with its inputs kept; only a workflow's steps can be re-run`, {
      job: request.jobId,
    });
  }
  const jobId = randomUUID();
  const options: IRunOptions = { jobId, ...(request.how === 'only' ? { only: [request.step] } : { from: request.step }) };
  if (start.on !== undefined) options.on = start.on;
  // The panel shows how it ends; nothing awaits it here.
  run(start.spec as never, start.inputs as never, { ...options, card: false }).catch(() => undefined);
  return jobId;
}

namespace Private {
  export function fromRecord(jobId: string): IRunStart {
    const record = runRecord(jobId);
    if (!record?.spec || !record.inputs) {
      throw new OptionError(
        `No workflow job "${jobId}" started by run() in this kernel or kept with its spec and inputs in the run records; run its cell again`,
        { job: jobId },
      );
    }
    return { spec: parseTask(restoreSecrets(record.spec, jobId)), inputs: record.inputs };
  }
}
