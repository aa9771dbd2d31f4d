/**
 * One case per Girder Worker validator rule (derived from the validator scripts, not upstream
 * tests). Inputs written as placeholders (`<existing path>`, `PNG bytes`, `bytes`) are replaced by a
 * real value of that kind: in TypeScript, Python 2's byte strings are Buffers, and taskcell's png,
 * jpeg and png.base64 validators look at the content where Girder Worker only checked for a string.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BSON } from 'bson';
import { ValidationError, getRunner } from '@taskcell/core';
import { conformance, loadCases, rawPath } from './harness';
import type { ICase } from './harness';
import { expectGwError } from './gw-run';

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'taskcell-validators-'));
  mkdirSync(join(scratch, 'dir'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

conformance(
  'validators_derived.json',
  async (c: ICase) => {
    const formats = getRunner().formats;
    if (c.expected_error) {
      expect(formats.isValid(c.type!, c.from_format!, c.input)).toBe(false);
      await expectGwError(() => formats.validate(c.type!, c.from_format!, c.input), c.expected_error.match);
      return;
    }
    const input = Private.realInput(c);
    expect(formats.isValid(c.type!, c.from_format!, input)).toBe(c.expected);
    if (c.expected === false) {
      expect(() => formats.validate(c.type!, c.from_format!, input)).toThrow(ValidationError);
    }
  },
  // Every validator runs: the pickle formats are made and read by the Python process.
  {},
);

namespace Private {
  const image = loadCases('image.json').fixtures as { png_base64_16x16: string };

  /** The case's input, with a placeholder replaced by a real value of the kind it names. */
  export function realInput(c: ICase): unknown {
    const key = `${c.type}/${c.from_format}`;
    switch (c.input) {
      case '<existing path>':
      case '<directory>':
        return join(scratch, 'dir');
      case '<missing path>':
        return join(scratch, 'missing');
      case '<existing regular file>':
        return rawPath(join('raw', 'tests', 'data', 'testZip.zip'));
      case 'PNG bytes':
        return readFileSync(rawPath(join('raw', 'image_test_16x16.png')));
      case 'iVBOR...':
        return image.png_base64_16x16;
      case 'bytes':
        if (key === 'image/jpeg') return readFileSync(rawPath(join('raw', 'docs', 'static', 'lenna.jpg')));
        // Python 2 byte strings: BSON for the BSON formats, as a Buffer when the format holds bytes.
        return getRunner().formats.hasFormat(c.type!, c.from_format!) && getRunner().formats.format(c.type!, c.from_format!).binary
          ? Buffer.from(BSON.serialize({ a: 1 }))
          : c.input;
      default:
        return c.input;
    }
  }
}
