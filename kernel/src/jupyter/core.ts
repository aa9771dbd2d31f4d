/**
 * The engine, loaded on first use rather than at start-up: the kernel answers its first
 * `kernel_info_request` before paying for the whole of @taskcell/core.
 */
export function core(): typeof import('@taskcell/core') {
  return require('@taskcell/core') as typeof import('@taskcell/core');
}
