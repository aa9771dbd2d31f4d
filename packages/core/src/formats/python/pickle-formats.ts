import { describeValue } from '../../errors';
import type { IDisposable } from '../../events';
import { convertInPython } from '../../modes/python';
import type { FormatRegistry } from '../registry';

/**
 * Girder Worker's pickles of the `python` type: `pickle` (the bytes of Python's pickle.dumps) and
 * `pickle.base64` (the same bytes in base64 text). Pickles are made and read by the Python process
 * the python mode uses (`object` -> `pickle` -> `object`, the value crossing as JSON, bytes as
 * Buffers); base64 is done here. A Python-only object (a tuple, a class instance) keeps its kind
 * only between Python steps whose ports are pickles: such a port is unpickled into the object
 * itself on the Python side.
 */
export function registerPickleFormats(registry: FormatRegistry): IDisposable[] {
  const type = 'python';
  const d: IDisposable[] = [];
  d.push(
    registry.registerFormat({
      type,
      format: 'pickle',
      binary: true,
      extensions: ['pkl', 'pickle'],
      validate: (v) => v instanceof Uint8Array || `expected pickle bytes (a Buffer or Uint8Array), got ${describeValue(v)}`,
    }),
  );
  d.push(
    registry.registerFormat({
      type,
      format: 'pickle.base64',
      text: true,
      validate: (v) => typeof v === 'string' || `expected pickle bytes as base64 text, got ${describeValue(v)}`,
    }),
  );
  const edges: Array<[string, string, (v: unknown) => unknown]> = [
    ['object', 'pickle', (v) => convertInPython(type, 'object', 'pickle', v)],
    ['pickle', 'object', (v) => convertInPython(type, 'pickle', 'object', v)],
    ['pickle', 'pickle.base64', (v) => Buffer.from(v as Uint8Array).toString('base64')],
    ['pickle.base64', 'pickle', (v) => Buffer.from(v as string, 'base64')],
  ];
  for (const [from, to, convert] of edges) d.push(registry.registerConverter({ type, from, to, convert }));
  return d;
}
