/** The real stderr, saved before cell output capture replaces `process.stderr.write`. */
const write = process.stderr.write.bind(process.stderr);

/** Write one line of kernel diagnostics to the kernel's own stderr (the Jupyter server's log), never to a cell. */
export function kernelLog(message: string): void {
  write(`[taskcell kernel] ${message}\n`);
}
