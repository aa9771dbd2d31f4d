/**
 * Girder Worker's image tests on the 16x16 RGBA PNG. The `pil` format holds taskcell's IRgbaImage
 * (SCHEMA.md 3.1: any decoded image with width and height), checked pixel for pixel against
 * `derived/image_test_16x16.rgba.json`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJpeg, decodePng, getRunner, run } from '@taskcell/core';
import type { IRgbaImage } from '@taskcell/core';
import { SHARED, conformance } from './harness';
import type { ICase } from './harness';
import { checkRunCase } from './gw-run';

const derived = JSON.parse(readFileSync(join(SHARED, 'derived', 'image_test_16x16.rgba.json'), 'utf8')) as {
  width: number;
  height: number;
  rows: number[][][];
};
const derivedPixels = Uint8Array.from(derived.rows.flat(2));

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'taskcell-image-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

conformance('image.json', async (c: ICase) => {
  const formats = getRunner().formats;
  switch (c.name) {
    case 'image.TestImage.test_base64':
      await checkRunCase(c);
      return;

    case 'image.TestImage.test_convert#base64_to_png_file': {
      // Girder Worker's convert(type, input, output) is a no-op task whose output binding asks for
      // another format and a place: here a local file (the case's file:// url with mode auto).
      const file = join(scratch, 'out.png');
      const port = { id: 'x', type: 'image', format: c.from_format! };
      const result = await run(
        { mode: 'javascript', script: '', inputs: [port], outputs: [port] },
        { x: { format: c.from_format!, data: c.input } },
        { x: { format: c.to_format!, mode: 'local', path: file } },
        { cache: false },
      );
      const pushed = result.outputs.x;
      expect(pushed.format).toBe(c.assertions![0].value);
      expect(readFileSync(file).toString('base64')).toBe(c.assertions![1].value);
      expect(readFileSync(file).equals(readFileSync(join(SHARED, 'raw', 'image_test_16x16.png')))).toBe(true);
      return;
    }

    case 'image.TestImage.test_convert#pil_roundtrip': {
      const pil = formats.convert('image', c.from_format!, c.to_format!, c.input) as IRgbaImage;
      expect(formats.isValid('image', 'pil', pil)).toBe(true);
      expect({ width: pil.width, height: pil.height }).toEqual({ width: derived.width, height: derived.height });
      expect(pil.data).toEqual(derivedPixels);
      const png = formats.convert('image', 'pil', (c.then as { to_format: string }).to_format, pil) as Uint8Array;
      expect(formats.isValid('image', 'png', png)).toBe(true);
      // histogram_rms_equals 0, checked more strictly: the re-encoded PNG decodes to the same pixels.
      expect(decodePng(png).data).toEqual(decodePng(Buffer.from(c.input as string, 'base64')).data);
      return;
    }

    case 'image.TestImage.test_convert#to_jpeg': {
      // SCHEMA.md trap 11: the image is RGBA; alpha is dropped, as the Pillow of Girder Worker's time did.
      const jpeg = formats.convert('image', c.from_format!, c.to_format!, c.input) as Uint8Array;
      expect(formats.isValid('image', 'jpeg', jpeg)).toBe(true);
      const decoded = decodeJpeg(jpeg);
      expect({ width: decoded.width, height: decoded.height }).toEqual({ width: 16, height: 16 });
      return;
    }

    default:
      throw new Error(`image.spec: no handler for case ${c.name}`);
  }
});
