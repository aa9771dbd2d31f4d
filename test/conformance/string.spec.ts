/** Girder Worker's string tests: `c = a + b` over the native and `json` formats, the port default, a missing input. */
import { ConversionError } from '@taskcell/core';
import type { TaskcellError } from '@taskcell/core';
import { conformance, loadCases } from './harness';
import { checkRunCase, runCase } from './gw-run';

conformance('string.json', (c) => checkRunCase(c));

describe('string: SCHEMA.md trap 7', () => {
  const add = loadCases('string.json').cases[0];

  test('the default {format: json, data: "hi"} is not read while "a" is bound', async () => {
    const result = await runCase(add, { a: { format: 'text', data: 'x' }, b: { format: 'text', data: 'y' } });
    expect(result.outputs.c).toEqual({ format: 'text', data: 'xy' });
  });

  test('used, the default fails as invalid JSON, naming the port, type and formats', async () => {
    const err = await runCase(add, { b: { format: 'text', data: 'there' } }).then(
      () => undefined,
      (e: TaskcellError) => e,
    );
    expect(err).toBeInstanceOf(ConversionError);
    expect(err!.message).toMatch(/Converting type "string" from "json" to "string" failed/);
    expect(err!.context).toMatchObject({ port: 'a', type: 'string', format: 'json' });
  });
});
