import { ConversionError, getRunner, isNetcdfBytes, run } from '@taskcell/core';
import { useFreshRunner } from './helpers';

useFreshRunner();

describe('pickles', () => {
  test('python/object -> pickle is made by Python: its bytes start with the pickle protocol opcode and read back', async () => {
    const f = getRunner().formats;
    const value = { a: [1, 2.5, 'x', null, true], b: Buffer.from([0, 255]) };
    const bytes = (await f.convert('python', 'object', 'pickle', value)) as Buffer;
    expect(bytes[0]).toBe(0x80); // PROTO
    expect(await f.convert('python', 'pickle', 'object', bytes)).toEqual(value);
    expect(f.isValid('python', 'pickle', 'text')).toBe(false);
  });

  test('bytes that are no pickle fail to convert with the Python error', async () => {
    const err = (await Promise.resolve(getRunner().formats.convert('python', 'pickle.base64', 'object', 'bm90IGEgcGlja2xl')).catch(
      (e: unknown) => e,
    )) as ConversionError;
    expect(err).toBeInstanceOf(ConversionError);
    expect(err.message).toMatch(/^Converting type "python" from "pickle" to "object" in Python failed: UnpicklingError/);
  });

  test('a python task port in pickle.base64 gets the unpickled object and sends one back pickled', async () => {
    const make = {
      mode: 'python',
      script: 'import collections\nP = collections.namedtuple("P", "x y")\nout = {"p": (1, 2), "s": frozenset([3])}',
      inputs: [],
      outputs: [{ name: 'out', type: 'python', format: 'pickle.base64' }],
    };
    const use = {
      mode: 'python',
      script: 'kinds = [type(inp["p"]).__name__, type(inp["s"]).__name__]',
      inputs: [{ name: 'inp', type: 'python', format: 'pickle.base64' }],
      outputs: [{ name: 'kinds', type: 'string_list', format: 'string_list' }],
    };
    const made = await run(make, {}, { cache: false });
    expect((await run(use, { inp: made.data.out }, { cache: false })).data.kinds).toEqual(['tuple', 'frozenset']);
  });
});

describe('netcdf', () => {
  const write = {
    mode: 'python',
    script: [
      'import netCDF4',
      'ds = netCDF4.Dataset("made.nc", "w", memory=1024)',
      'ds.createDimension("t", 3)',
      'v = ds.createVariable("temp", "f8", ("t",))',
      'v[:] = [1.5, 2.0, 3.0]',
      'ds.title = "three readings"',
      'out = ds',
    ].join('\n'),
    inputs: [],
    outputs: [{ name: 'out', type: 'netcdf', format: 'dataset' }],
  };
  const read = {
    mode: 'python',
    script: 'title = ds.title\ntemps = ds["temp"][:].tolist()\nsame = ds',
    inputs: [{ name: 'ds', type: 'netcdf', format: 'dataset' }],
    outputs: [
      { name: 'title', type: 'string', format: 'text' },
      { name: 'temps', type: 'number_list', format: 'number_list' },
      { name: 'same', type: 'netcdf', format: 'dataset' },
    ],
  };

  test('a python task writes a netCDF4 dataset; taskcell holds its bytes; the next task opens them as a dataset', async () => {
    const made = await run(write, {}, { cache: false });
    const bytes = made.data.out as Buffer;
    expect(isNetcdfBytes(bytes)).toBe(true);
    // binary -> dataset: the bytes of a .nc file as Girder Worker's netcdf/binary input.
    const res = await run(read, { ds: { format: 'binary', data: bytes } }, { cache: false });
    expect(res.data).toEqual({ title: 'three readings', temps: [1.5, 2, 3], same: bytes });
  });

  test('binary -> dataset refuses bytes netCDF4 cannot open', async () => {
    const f = getRunner().formats;
    const err = (await Promise.resolve(f.convert('netcdf', 'binary', 'dataset', Buffer.from('CDF\u0001 but nothing else'))).catch(
      (e: unknown) => e,
    )) as ConversionError;
    expect(err).toBeInstanceOf(ConversionError);
    expect(err.message).toMatch(/^Converting type "netcdf" from "binary" to "dataset" in Python failed: OSError/);
    expect(f.isValid('netcdf', 'dataset', Buffer.from('plain text, no netCDF'))).toBe(false);
    expect(() => f.validate('netcdf', 'dataset', 'text')).toThrow(/expected a netCDF dataset/);
  });
});
