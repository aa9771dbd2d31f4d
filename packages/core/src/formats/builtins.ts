import type { IDisposable } from '../events';
import type { FormatRegistry } from './registry';
import { registerScalarFormats } from './scalars';

/** Register every built-in type, format and converter. Each family registers through the registry's one door. */
export function registerBuiltinFormats(registry: FormatRegistry): IDisposable[] {
  return [
    ...registerScalarFormats(registry),
  ];
}
