import type { IDisposable } from '../events';
import type { FormatRegistry } from './registry';
import { registerScalarFormats } from './scalars';
import { registerTableFormats } from './table/register';
import { registerTreeFormats } from './tree/register';
import { registerGraphFormats } from './graph/register';
import { registerImageFormats } from './image/image-formats';
import { registerDirectoryFormats } from './directory/directory-formats';
import { registerNetcdfFormats } from './python/netcdf-formats';
import { registerPickleFormats } from './python/pickle-formats';
import { registerRFormats } from './r/r-formats';

/** Register every built-in type, format and converter. Each family registers through the registry's one door. */
export function registerBuiltinFormats(registry: FormatRegistry): IDisposable[] {
  return [
    ...registerScalarFormats(registry),
    ...registerTableFormats(registry),
    ...registerTreeFormats(registry),
    ...registerGraphFormats(registry),
    ...registerImageFormats(registry),
    ...registerDirectoryFormats(registry),
    // Made and read by the Python and R processes; registered last, so no path that avoids them changes.
    ...registerPickleFormats(registry),
    ...registerNetcdfFormats(registry),
    ...registerRFormats(registry),
  ];
}
