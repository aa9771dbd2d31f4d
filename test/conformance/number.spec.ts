/** Girder Worker's number tests: `c = a + b` over the native and `json` formats, the port default, a missing input. */
import { conformance, loadCases } from './harness';
import { checkRunCase, runCase } from './gw-run';

conformance('number.json', (c) => checkRunCase(c));

describe('number: SCHEMA.md trap 4', () => {
  const add = loadCases('number.json').cases[0];

  test('a boolean counts as a number, as in Python (True + 2.5 == 3.5)', async () => {
    const result = await runCase(add, { a: { format: 'number', data: true }, b: { format: 'number', data: 2.5 } });
    expect(result.outputs.c).toEqual({ format: 'number', data: 3.5 });
  });

  test('a numeric string is not a number', async () => {
    await expect(runCase(add, { a: { format: 'number', data: '1.5' }, b: { format: 'number', data: 2 } })).rejects.toThrow(
      /Input "a" \(string "1.5"\) is not of the expected type \("number"\) and format \("number"\)/,
    );
  });
});
