/** Reads one line from the frontend; the kernel installs one. */
export type InputReader = (prompt: string, password: boolean) => string;

/** The global slot `prompt` reads, so every copy of `taskcell` in the process finds the kernel. */
export const INPUT_READER = Symbol.for('taskcell.stdin');

/**
 * Ask the user for a line of text, as in a browser: blocks the cell until the frontend answers
 * (Jupyter's `input_request` on the stdin channel). Returns `defaultValue` (or null) outside a
 * kernel. Throws a StdinError when the frontend does not allow input.
 */
export function prompt(message = '', defaultValue?: string): string | null {
  const read = (globalThis as Record<symbol, unknown>)[INPUT_READER] as InputReader | undefined;
  if (!read) return defaultValue ?? null;
  return read(message, false);
}

/** Like `prompt`, but the frontend hides what is typed. */
export function password(message = ''): string | null {
  const read = (globalThis as Record<symbol, unknown>)[INPUT_READER] as InputReader | undefined;
  if (!read) return null;
  return read(message, true);
}
