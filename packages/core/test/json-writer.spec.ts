import { contentHash, stringifyJson } from '@taskcell/core';

/** A list nested `depth` levels deep, with an object, a Buffer and an undefined at the bottom. */
function deep(depth: number): unknown {
  let v: unknown = { a: 1, skip: undefined, b: [undefined, 'x', Buffer.from('hi')], when: new Date(0) };
  for (let i = 0; i < depth; i++) v = i % 2 ? [v, i] : { k: v, n: i };
  return v;
}

describe('stringifyJson', () => {
  const replacer = function (this: unknown, key: string, v: unknown): unknown {
    return key === 'n' ? `#${String(v)}` : v;
  };

  test('is JSON.stringify for values it can write, indentation and replacer included', () => {
    const v = deep(50);
    expect(stringifyJson(v, replacer, 2)).toBe(JSON.stringify(v, replacer, 2));
    expect(stringifyJson(undefined)).toBeUndefined();
  });

  test('writes a value too deep for JSON.stringify, compact, and it reads back as JSON.stringify would write it', () => {
    const v = deep(200_000);
    expect(() => JSON.stringify(v)).toThrow(RangeError);
    const text = stringifyJson(v, replacer, 2)!;
    expect(text.startsWith('[{"k":[{"k":')).toBe(true);
    let back = JSON.parse(text) as unknown;
    let wrong = 0;
    for (let i = 200_000 - 1; i >= 0; i--) {
      if (i % 2) {
        if ((back as unknown[])[1] !== i) wrong++;
        back = (back as unknown[])[0];
      } else {
        if ((back as { n: unknown }).n !== `#${i}`) wrong++;
        back = (back as { k: unknown }).k;
      }
    }
    expect(wrong).toBe(0);
    expect(back).toEqual(JSON.parse(JSON.stringify({ a: 1, b: [null, 'x', Buffer.from('hi')], when: new Date(0) })));
  });
});

describe('contentHash', () => {
  test('hashes a value 300,000 levels deep, and tells it from one a level shallower', () => {
    const a = deep(300_000);
    const b = deep(299_999);
    expect(contentHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash(a)).not.toBe(contentHash(b));
  });
});
