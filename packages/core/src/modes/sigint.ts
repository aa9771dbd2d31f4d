/**
 * Whether the synchronous part of a javascript task on the main thread runs so that SIGINT
 * (Ctrl-C, a kernel interrupt) breaks it. Node starts and stops a signal thread for each such call
 * (about 45 µs), so it is for interactive processes, which turn it on: `taskcell run` and the
 * kernel. A module of its own, so they can without loading the engine.
 */
export const sigintBreaksTasks = { enabled: false };

/** Let SIGINT break javascript tasks' loops on the main thread (see `sigintBreaksTasks`). */
export function breakTasksOnSigint(on = true): void {
  sigintBreaksTasks.enabled = on;
}
