/** Girder Worker's integer tests: `c = a + b` over the native and `json` formats, the port default, a missing input. */
import { conformance, loadCases } from './harness';
import { checkRunCase, runCase } from './gw-run';

conformance('integer.json', (c) => checkRunCase(c));

describe('integer: SCHEMA.md trap 4', () => {
  const add = loadCases('integer.json').cases[0];

  test('a boolean counts as an integer, as in Python (True + 2 == 3)', async () => {
    const result = await runCase(add, { a: { format: 'integer', data: true }, b: { format: 'integer', data: 2 } });
    expect(result.outputs.c).toEqual({ format: 'integer', data: 3 });
  });

  test('a float is not an integer', async () => {
    await expect(runCase(add, { a: { format: 'integer', data: 1.5 }, b: { format: 'integer', data: 2 } })).rejects.toThrow(
      /Input "a" \(number 1.5\) is not of the expected type \("integer"\) and format \("integer"\)/,
    );
  });
});
