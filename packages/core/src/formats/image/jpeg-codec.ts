import * as jpeg from 'jpeg-js';
import { describeHead, isBytes, ownBytes } from './bytes';
import type { IRgbaImage } from './rgba-image';
import { checkPixelCount, maxImagePixels } from './pixel-limit';

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
  const size = Private.frameSize(bytes);
  if (size) checkPixelCount('jpeg', size.width, size.height);
  const limit = maxImagePixels();
  const img = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: true,
    maxResolutionInMP: limit / 1e6,
    // Room for the RGBA output and jpeg-js's component planes of an image at the limit.
    maxMemoryUsageInMB: Math.max(512, Math.ceil((limit * 12) / 2 ** 20)),
  });
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

namespace Private {
  /** Width and height from the first start-of-frame marker (SOF0-SOF15 but DHT, JPG and DAC), read segment by segment. */
  export function frameSize(b: Uint8Array): { width: number; height: number } | undefined {
    let i = 2;
    while (i + 9 <= b.length) {
      if (b[i] !== 0xff) return undefined;
      const marker = b[i + 1];
      if (marker === 0xff) {
        i++;
        continue;
      }
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: (b[i + 5] << 8) | b[i + 6], width: (b[i + 7] << 8) | b[i + 8] };
      }
      if (marker === 0xda || marker === 0xd9) return undefined;
      i += 2 + ((b[i + 2] << 8) | b[i + 3]);
    }
    return undefined;
  }
}
