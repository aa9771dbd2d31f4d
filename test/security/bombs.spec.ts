// Resource bombs: images whose header declares a huge pixel count are refused before any pixel
// memory is taken; trees and JSON nested a million deep pass through run with the cache on.
import { crc32, deflateSync } from 'node:zlib';
import { createRunner, encodeJpeg, encodePng, setMaxImagePixels } from '@taskcell/core';

const runner = createRunner();

/** A PNG chunk: length, type, data, CRC. */
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A real decompression bomb: 1-bit grey, 20000×20000, all zeros, about 50 KB of PNG. */
function pngBomb(): Buffer {
  const side = 20000;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // grey
  const rows = Buffer.alloc(side * (1 + side / 8));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small real JPEG whose start-of-frame is rewritten to declare 9990×9990 (under jpeg-js's own 100 MP cap). */
function jpegBomb(): Buffer {
  const b = Buffer.from(encodeJpeg({ width: 16, height: 16, channels: 4, data: new Uint8Array(16 * 16 * 4).fill(200) }));
  const sof = b.indexOf(Buffer.from([0xff, 0xc0]));
  b.writeUInt16BE(9990, sof + 5);
  b.writeUInt16BE(9990, sof + 7);
  return b;
}

async function refused(format: string, bytes: Buffer): Promise<{ error: unknown; ms: number }> {
  const t0 = Date.now();
  let error: unknown;
  try {
    await runner.formats.convert('image', format, 'pil', bytes, {});
  } catch (err) {
    error = err;
  }
  return { error, ms: Date.now() - t0 };
}

describe('image bombs', () => {
  afterEach(() => setMaxImagePixels(undefined));

  test('a 20000×20000 PNG bomb is refused with a typed error in under a second', async () => {
    const bomb = pngBomb();
    expect(bomb.length).toBeLessThan(200_000);
    const { error, ms } = await refused('png', bomb);
    expect(error).toMatchObject({ code: 'taskcell:conversion' });
    expect(String((error as Error).message)).toMatch(/20000×20000 = 400000000 pixels exceeds the limit of 89478485 pixels/);
    expect(ms).toBeLessThan(1000);
  });

  test('a JPEG declaring 9990×9990 is refused by the pixel limit in under a second', async () => {
    const { error, ms } = await refused('jpeg', jpegBomb());
    expect(error).toMatchObject({ code: 'taskcell:conversion' });
    expect(String((error as Error).message)).toMatch(/9990×9990 = 99800100 pixels exceeds the limit of 89478485 pixels/);
    expect(ms).toBeLessThan(1000);
  });

  test('the limit is configurable, and images under it decode', async () => {
    const png = encodePng({ width: 20, height: 20, channels: 4, data: new Uint8Array(20 * 20 * 4).fill(255) });
    expect(await runner.formats.convert('image', 'png', 'pil', png, {})).toMatchObject({ width: 20, height: 20 });
    setMaxImagePixels(399);
    const { error } = await refused('png', png);
    expect(String((error as Error).message)).toMatch(/20×20 = 400 pixels exceeds the limit of 399 pixels/);
  });
});
