/**
 * How a run's promise and its job tell the kernel that `run()` shows them: read by the kernel's
 * value-display path and its inline job display, which must not load the engine to ask.
 */

/** What a run's promise carries so the kernel can show it as a cell's value while it is pending. */
export interface IPendingRun {
  /** Show the run's live card as the cell's value; it ends showing the outputs. */
  show(): void;
}

/** The key of `IPendingRun` on a run's promise (global, so every copy of `taskcell` in the process agrees). */
export const PENDING_RUN: unique symbol = Symbol.for('taskcell.run.pending') as never;

/** The ids of jobs whose cell shows (or opted out of) a card of `run`'s, so the kernel's own inline display leaves them alone. */
export const CARDED_JOBS: unique symbol = Symbol.for('taskcell.run.carded-jobs') as never;

/** The pending-run handle of a value, if it is a run's promise with a live card. */
export function pendingRunOf(value: unknown): IPendingRun | undefined {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
  return (value as { [PENDING_RUN]?: IPendingRun })[PENDING_RUN];
}

/** True when `run` took charge of showing this job (a live card, or none by the caller's choice). */
export function isCardedJob(jobId: string): boolean {
  return cardedJobs().has(jobId);
}

/** The set behind `isCardedJob`, shared by every copy of `taskcell` in the process. */
export function cardedJobs(): Set<string> {
  const g = globalThis as Record<symbol, unknown>;
  return (g[CARDED_JOBS] ??= new Set<string>()) as Set<string>;
}
