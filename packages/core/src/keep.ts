import { CanceledError } from './errors';
import type { Job } from './job';

/** What a failed job leaves behind for whoever looks into its failure. */
export interface IKeepOptions {
  /**
   * `"on-failure"`: a job that fails (not one cancelled) keeps its working directory (its temp
   * directory, a docker task's data directory), named in its error's context as `workdir` and in a
   * line of its log, instead of having it removed.
   */
  keep?: 'on-failure';
}

/**
 * Whether a job that ended with `err` keeps its working directory; when it does, says where in
 * its log and gives the context its error gets (`{workdir}`).
 */
export function keptWorkdir(job: Job, err: unknown, options: IKeepOptions): { workdir: string } | undefined {
  if (options.keep !== 'on-failure' || !job.hasTempdir || err instanceof CanceledError || job.aborted) return undefined;
  job.writeLog('stderr', `taskcell: kept the working directory of this failed job: ${job.tempdir}`);
  return { workdir: job.tempdir };
}
