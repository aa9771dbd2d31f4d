import * as jpeg from 'jpeg-js';
import { describeHead, isBytes, ownBytes } from './bytes';
import type { IRgbaImage } from './rgba-image';

/** The quality Pillow writes JPEG at when none is given. */
export const DEFAULT_JPEG_QUALITY = 75;

/** `true` when the value is bytes starting with the JPEG start-of-image marker (FF D8), or why not. */
export function checkJpeg(value: unknown): true | string {
  if (!isBytes(value)) return `expected JPEG bytes (a Buffer or Uint8Array), got ${describeHead(value)}`;
  if (value.length < 2 || value[0] !== 0xff || value[1] !== 0xd8) {
    return `expected bytes starting with the JPEG start-of-image marker FF D8, got ${describeHead(value)}`;
  }
  return true;
}

/** Decode baseline or progressive JPEG bytes into RGBA pixels (alpha 255). Throws an Error saying what is wrong. */
export function decodeJpeg(bytes: Uint8Array): IRgbaImage {
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  return { width: img.width, height: img.height, channels: 4, data: ownBytes(img.data) };
}

/**
 * Encode an image as baseline JPEG. JPEG has no alpha channel, so alpha is dropped (not blended
 * against a background): that is what Pillow did when Girder Worker saved an RGBA image as JPEG,
 * before later Pillow releases refused RGBA outright (SCHEMA.md trap 11).
 */
export function encodeJpeg(image: IRgbaImage, quality = DEFAULT_JPEG_QUALITY): Buffer {
  return jpeg.encode({ width: image.width, height: image.height, data: image.data }, quality).data;
}
