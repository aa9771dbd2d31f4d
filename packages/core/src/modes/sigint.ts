/**
 * Whether the synchronous part of a javascript task on the main thread runs so that SIGINT
 * (Ctrl-C, a kernel interrupt) breaks it. Node starts and stops a signal thread for each such call
 * (about 45 µs), so it is for interactive processes, which turn it on: `taskcell run` and the
 * kernel. A module of its own, so they can without loading the engine.
 */
export const sigintBreaksTasks = { enabled: false, onBreak: new Set<() => void>() };

/** Let SIGINT break javascript tasks' loops on the main thread (see `sigintBreaksTasks`). */
export function breakTasksOnSigint(on = true): void {
  sigintBreaksTasks.enabled = on;
}

/**
 * Call `seen` each time a SIGINT breaks a task's loop: a SIGINT taken there reaches none of the
 * process's SIGINT listeners, so whoever raised it learns here that it arrived. Returns the undo.
 */
export function onSigintBreak(seen: () => void): () => void {
  sigintBreaksTasks.onBreak.add(seen);
  return () => sigintBreaksTasks.onBreak.delete(seen);
}
