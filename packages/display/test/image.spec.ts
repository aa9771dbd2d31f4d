import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MIME, fromBase64, imageBundle, imageSize } from '@taskcell/display';

const GW = resolve(process.env.TASKCELL_SHARED ?? join(__dirname, '..', '..', '..', '..', 'shared'), 'girder-worker');
const raw = (path: string): Uint8Array => new Uint8Array(readFileSync(join(GW, 'raw', path)));

describe('imageBundle', () => {
  it("carries taskcell's image type naming the image/png entry, with the pixel size from the header, and no copy of the data", () => {
    const png = raw('docs/static/facebook-example-workflow.png');
    const b = imageBundle(png);
    expect(b[MIME.image]).toEqual({ mime: MIME.png, width: 431, height: 414 });
    expect(b[MIME.png]).toBe(Buffer.from(png).toString('base64'));
    expect(b[MIME.plain]).toBe('[image image/png 431×414 px]');
    expect(JSON.stringify(b[MIME.image]).length).toBeLessThan(100);
  });

  it('reads the size of a JPEG from its frame header, of base64 text, of a GIF and of an SVG', () => {
    const jpeg = raw('docs/static/lenna.jpg');
    expect(imageSize(jpeg)).toEqual({ width: 512, height: 512 });
    const b = imageBundle(Buffer.from(jpeg).toString('base64'), { alt: 'Lenna' });
    expect(b[MIME.image]).toEqual({ mime: MIME.jpeg, width: 512, height: 512, alt: 'Lenna' });
    expect(b[MIME.plain]).toBe('[Lenna image/jpeg 512×512 px]');
    expect(imageBundle(Buffer.from(raw('image_test_16x16.png')).toString('base64'))[MIME.image]).toEqual({
      mime: MIME.png,
      width: 16,
      height: 16,
    });
    const gif = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x2c, 0x01, 0x0a, 0x00]);
    expect(imageSize(gif)).toEqual({ width: 300, height: 10 });
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80px"><rect width="10" height="10"/></svg>';
    expect(imageBundle(svg)).toEqual({
      [MIME.image]: { mime: MIME.svg, width: 120, height: 80 },
      [MIME.svg]: svg,
      [MIME.plain]: '[image image/svg+xml 120×80 px]',
    });
    expect(imageBundle('<svg viewBox="0 0 30 20"></svg>')[MIME.image]).toEqual({ mime: MIME.svg, width: 30, height: 20 });
  });

  it('leaves the size out when the header is cut short or unknown', () => {
    expect(imageSize(raw('docs/static/lenna.jpg').slice(0, 12))).toBeUndefined();
    expect(imageSize(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBeUndefined();
    expect(imageSize(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });

  it('decodes base64 as Node does', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 100]) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37) % 256));
      expect(Buffer.from(fromBase64(bytes.toString('base64')))).toEqual(bytes);
    }
  });
});
