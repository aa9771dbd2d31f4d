import { decodeBytes, encodeBytes, packForThread, unpackFromThread } from '@taskcell/pool';

describe('codec', () => {
  test('plain data crosses to a thread as it is', () => {
    const v = { a: [1, 'two', { three: null }] };
    const packed = packForThread(v);
    expect(packed).toEqual({ plain: v });
    expect(unpackFromThread(packed)).toBe(v);
  });

  test('a value holding a Buffer goes as v8 serialization and comes back a Buffer', () => {
    const v = { deep: [{ b: Buffer.from('abc') }] };
    const packed = packForThread(v);
    expect('v8' in packed).toBe(true);
    const back = unpackFromThread(packed) as typeof v;
    expect(Buffer.isBuffer(back.deep[0].b)).toBe(true);
    expect(back.deep[0].b.toString()).toBe('abc');
  });

  test('bytes keep Buffers, typed arrays, Maps and Dates', () => {
    const v = { b: Buffer.from([1, 2]), f: new Float32Array([0.5]), m: new Map([['k', 1]]), d: new Date(5) };
    const back = decodeBytes(encodeBytes(v)) as typeof v;
    expect(Buffer.isBuffer(back.b)).toBe(true);
    expect(back.f.constructor.name).toBe('Float32Array');
    expect(back.m.get('k')).toBe(1);
    expect(back.d.getTime()).toBe(5);
  });
});
