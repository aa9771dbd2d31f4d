import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import {
  ConversionError,
  PNG_SIGNATURE,
  ValidationError,
  checkRgbaImage,
  createRunner,
  decodeJpeg,
  decodePng,
  encodeJpeg,
  encodePng,
  rgbaImage,
  run,
  task,
} from '@taskcell/core';
import type { IRgbaImage } from '@taskcell/core';

const GW = resolve(process.env.TASKCELL_SHARED ?? join(__dirname, '..', '..', '..', '..', 'shared'), 'girder-worker');
const PNG_FILE = readFileSync(join(GW, 'raw', 'image_test_16x16.png'));
const LENNA = readFileSync(join(GW, 'raw', 'docs', 'static', 'lenna.jpg'));
const derived = JSON.parse(readFileSync(join(GW, 'derived', 'image_test_16x16.rgba.json'), 'utf8')) as { rows: number[][][] };
const formats = createRunner().formats;

/** An opaque test image with a gradient, so lossy codecs have something to keep. */
function gradient(width: number, height: number, alpha = 255): IRgbaImage {
  const img = rgbaImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      img.data.set([(x * 255) / (width - 1), (y * 255) / (height - 1), 128, alpha], i);
    }
  }
  return img;
}

describe('image formats: round trips', () => {
  test('png -> pil decodes the 16x16 RGBA test image pixel for pixel', () => {
    const pil = formats.convert('image', 'png', 'pil', PNG_FILE) as IRgbaImage;
    expect(pil).toMatchObject({ width: 16, height: 16, channels: 4 });
    expect(pil.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(pil.data)).toBe(false);
    expect(pil.data).toEqual(Uint8Array.from(derived.rows.flat(2)));
  });

  test('png -> pil -> png gives the same pixels', () => {
    const pil = formats.convert('image', 'png', 'pil', PNG_FILE) as IRgbaImage;
    const png = formats.convert('image', 'pil', 'png', pil) as Buffer;
    expect(formats.isValid('image', 'png', png)).toBe(true);
    expect(decodePng(png)).toEqual(pil);
  });

  test('png.base64 -> png -> png.base64 is byte-exact both ways', () => {
    const b64 = PNG_FILE.toString('base64');
    const png = formats.convert('image', 'png.base64', 'png', b64) as Buffer;
    expect(png.equals(PNG_FILE)).toBe(true);
    expect(formats.convert('image', 'png', 'png.base64', png)).toBe(b64);
  });

  test('jpeg -> pil decodes lenna.jpg to 512 x 512 opaque RGBA', () => {
    const pil = formats.convert('image', 'jpeg', 'pil', LENNA) as IRgbaImage;
    expect({ width: pil.width, height: pil.height, bytes: pil.data.length }).toEqual({ width: 512, height: 512, bytes: 512 * 512 * 4 });
    expect(checkRgbaImage(pil)).toBe(true);
    expect(pil.data.every((v, i) => i % 4 !== 3 || v === 255)).toBe(true);
  });

  test('jpeg -> png takes the shortest path through pil', () => {
    expect(formats.converterPath('image', 'jpeg', 'png.base64')).toEqual(['jpeg', 'pil', 'png', 'png.base64']);
    const b64 = formats.convert('image', 'jpeg', 'png.base64', encodeJpeg(gradient(64, 48))) as string;
    expect(decodePng(Buffer.from(b64, 'base64'))).toMatchObject({ width: 64, height: 48 });
  });

  test('pil -> jpeg -> pil keeps size and stays close to the original colours', () => {
    const img = gradient(32, 24);
    const back = decodeJpeg(encodeJpeg(img));
    expect({ width: back.width, height: back.height }).toEqual({ width: 32, height: 24 });
    let worst = 0;
    for (let i = 0; i < img.data.length; i++) worst = Math.max(worst, Math.abs(img.data[i] - back.data[i]));
    expect(worst).toBeLessThan(24);
  });

  test('RGBA -> jpeg (SCHEMA.md trap 11) drops alpha: transparent pixels keep their colour, alpha becomes 255', () => {
    const img = gradient(16, 16, 0);
    const jpeg = formats.convert('image', 'pil', 'jpeg', img) as Buffer;
    expect(formats.isValid('image', 'jpeg', jpeg)).toBe(true);
    const back = decodeJpeg(jpeg);
    expect(back.data.every((v, i) => i % 4 !== 3 || v === 255)).toBe(true);
    // Not blended against a background: the bottom-right pixel stays near (255, 255, 128), not white or black.
    const last = back.data.length - 4;
    expect([...back.data.subarray(last, last + 3)].map((v) => Math.round(v / 16))).toEqual([16, 16, 8]);
    expect(formats.convert('image', 'png.base64', 'jpeg', PNG_FILE.toString('base64'))).toBeInstanceOf(Buffer);
  });

  test('an opaque image is written as an RGB PNG, a translucent one as RGBA', () => {
    const colourType = (png: Buffer) => png[25];
    expect(colourType(encodePng(gradient(4, 4)))).toBe(2);
    expect(colourType(encodePng(gradient(4, 4, 200)))).toBe(6);
    expect(decodePng(encodePng(gradient(4, 4)))).toEqual(gradient(4, 4));
  });

  test('the decoded image is plain data: it survives structured cloning and converts afterwards', () => {
    const pil = decodePng(PNG_FILE);
    const clone = structuredClone(pil);
    expect(formats.isValid('image', 'pil', clone)).toBe(true);
    expect(decodePng(formats.convert('image', 'pil', 'png', clone) as Buffer)).toEqual(pil);
  });

  test('bytes from another realm are recognized', () => {
    const foreign = runInNewContext('new Uint8Array(n)', { n: PNG_FILE.length }) as Uint8Array;
    foreign.set(PNG_FILE);
    expect(foreign instanceof Uint8Array).toBe(false);
    expect(formats.isValid('image', 'png', foreign)).toBe(true);
    expect((formats.convert('image', 'png', 'pil', foreign) as IRgbaImage).width).toBe(16);
  });

  test('a task port typed "image" receives the decoded image', async () => {
    const size = task({ inputs: { img: 'image' }, outputs: { pixels: 'number' } }, ({ img }) => ({ pixels: img.width * img.height }));
    const result = await run(size, { img: { format: 'png.base64', data: PNG_FILE.toString('base64') } }, { cache: false });
    expect(result.data.pixels).toBe(256);
  });
});

describe('image formats: validation', () => {
  test('png wants bytes starting with the PNG signature', () => {
    expect(formats.check('image', 'png', 'PNG bytes')).toEqual({
      message: expect.stringMatching(/expected PNG bytes .*got a string "PNG bytes"/),
    });
    expect(formats.check('image', 'png', LENNA)).toEqual({
      message: 'expected bytes starting with the PNG signature 89 50 4E 47 0D 0A 1A 0A, got bytes FF D8 FF E0 00 10 4A 46 ...',
    });
    expect(formats.isValid('image', 'png', Buffer.from(PNG_SIGNATURE))).toBe(true);
    expect(() => formats.validate('image', 'png', Buffer.alloc(0), { port: 'img' }, 'Input "img"')).toThrow(
      /Input "img" \(Buffer\(0 bytes\)\) is not of the expected type \("image"\) and format \("png"\): .*got no bytes \(empty\)/,
    );
  });

  test('jpeg wants bytes starting with the SOI marker', () => {
    expect(formats.isValid('image', 'jpeg', LENNA)).toBe(true);
    expect(formats.check('image', 'jpeg', PNG_FILE)).toEqual({
      message: 'expected bytes starting with the JPEG start-of-image marker FF D8, got bytes 89 50 4E 47 0D 0A 1A 0A ...',
    });
    expect(formats.isValid('image', 'jpeg', 'bytes')).toBe(false);
  });

  test('pil wants the IRgbaImage shape', () => {
    expect(formats.isValid('image', 'pil', rgbaImage(2, 3))).toBe(true);
    expect(checkRgbaImage(null)).toMatch(/expected a decoded image/);
    expect(checkRgbaImage({ width: 2, height: 2, channels: 3, data: new Uint8Array(12) })).toBe(
      'expected "channels" to be 4 (RGBA), got number 3',
    );
    expect(checkRgbaImage({ width: 2, height: 2, channels: 4, data: new Uint8Array(12) })).toBe(
      'expected "data" to hold 2 x 2 x 4 = 16 bytes, got 12',
    );
    expect(checkRgbaImage({ width: 0, height: 2, channels: 4, data: new Uint8Array(0) })).toBe(
      'expected "width" to be an integer >= 1, got number 0',
    );
    expect(checkRgbaImage({ width: 1, height: 1, channels: 4, data: [0, 0, 0, 0] })).toMatch(/expected "data" to be a Uint8Array/);
    expect(() => rgbaImage(2, 2, new Uint8Array(3))).toThrow(RangeError);
  });

  test('png.base64 wants base64 text of PNG bytes, and says where a bad character is', () => {
    const b64 = PNG_FILE.toString('base64');
    expect(formats.isValid('image', 'png.base64', b64.replace(/(.{76})/g, '$1\n'))).toBe(true);
    expect(formats.check('image', 'png.base64', `${b64.slice(0, 80)}\nab%cd`)).toEqual({
      message: 'expected base64 text, got the character "%"',
      line: 2,
      column: 3,
    });
    expect(formats.check('image', 'png.base64', LENNA.toString('base64'))).toEqual({
      message: expect.stringMatching(/expected base64 of PNG bytes/),
    });
    let err: unknown;
    try {
      formats.validate('image', 'png.base64', 'iVBOR$', { port: 'a' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).context).toMatchObject({ type: 'image', format: 'png.base64', port: 'a', line: 1, column: 6 });
  });
});

describe('image formats: conversion errors', () => {
  test('a corrupt PNG fails with a ConversionError naming the formats and what came', () => {
    const corrupt = Buffer.concat([Buffer.from(PNG_SIGNATURE), Buffer.from('not a png at all')]);
    let err: unknown;
    try {
      formats.convert('image', 'png', 'pil', corrupt, { port: 'img' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConversionError);
    expect((err as ConversionError).message).toMatch(
      /^Converting type "image" from "png" to "pil" failed: expected valid PNG bytes, got bytes 89 50 4E 47/,
    );
    expect((err as ConversionError).context).toMatchObject({ type: 'image', format: 'png', to: 'pil', port: 'img' });
  });

  test('a corrupt JPEG and a misshapen pil image fail with ConversionErrors', () => {
    expect(() => formats.convert('image', 'jpeg', 'pil', Buffer.from([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]))).toThrow(
      /Converting type "image" from "jpeg" to "pil" failed: expected valid JPEG bytes/,
    );
    expect(() => formats.convert('image', 'pil', 'png', { width: 1, height: 1, channels: 4, data: new Uint8Array(3) })).toThrow(
      ConversionError,
    );
    expect(() => formats.convert('image', 'png', 'pil', 'a string')).toThrow(
      /from "png" to "pil": expected PNG bytes, got a string "a string"/,
    );
  });
});
