import { describeValue } from '../../errors';
import type { IDisposable } from '../../events';
import { convertInPython } from '../../modes/python';
import type { FormatRegistry } from '../registry';

/** True for the bytes of a netCDF file: classic (`CDF` and version 1, 2 or 5) or netCDF-4 (an HDF5 file). */
export function isNetcdfBytes(v: unknown): v is Uint8Array {
  if (!(v instanceof Uint8Array) || v.length < 8) return false;
  const head = Buffer.from(v.buffer, v.byteOffset, 8);
  return (head.subarray(0, 3).toString('latin1') === 'CDF' && [1, 2, 5].includes(head[3])) || head.equals(Private.HDF5);
}

/**
 * Girder Worker's `netcdf` type: `binary` (the bytes of a netCDF file) and `dataset` (a
 * netCDF4.Dataset in Python). taskcell holds a dataset as its file's bytes too; a python task's
 * `dataset` port opens them as a netCDF4.Dataset (in memory) and sends one back as its bytes. The
 * one converter, binary -> dataset, checks in the Python process (netCDF4) that the bytes open.
 */
export function registerNetcdfFormats(registry: FormatRegistry): IDisposable[] {
  const type = 'netcdf';
  const d: IDisposable[] = [];
  d.push(registry.registerType({ name: type, nativeFormat: 'binary', description: 'a netCDF dataset' }));
  d.push(
    registry.registerFormat({
      type,
      format: 'binary',
      binary: true,
      extensions: ['nc'],
      validate: (v) => v instanceof Uint8Array || `expected the bytes of a netCDF file, got ${describeValue(v)}`,
    }),
  );
  d.push(
    registry.registerFormat({
      type,
      format: 'dataset',
      binary: true,
      validate: (v) => isNetcdfBytes(v) || `expected a netCDF dataset (classic CDF or netCDF-4/HDF5 bytes), got ${describeValue(v)}`,
    }),
  );
  d.push(
    registry.registerConverter({ type, from: 'binary', to: 'dataset', convert: (v) => convertInPython(type, 'binary', 'dataset', v) }),
  );
  return d;
}

namespace Private {
  /** The signature every HDF5 file starts with. */
  export const HDF5 = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
}
