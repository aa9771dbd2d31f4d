import type { IIoMode } from './registry';

/** `inline`: the binding carries its data. Pushing an inline output hands the data back. */
export const inlineMode: IIoMode = {
  name: 'inline',
  hasData: () => true,
  fetch: (binding) => ({ data: binding.data }),
  push: (binding, port, data) => ({ ...binding, mode: 'inline', format: binding.format ?? port.format, data }),
};
