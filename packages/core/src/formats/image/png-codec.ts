import { PNG } from 'pngjs';
import { asBuffer, describeHead, isBytes, ownBytes } from './bytes';
import type { IRgbaImage } from './rgba-image';
import { checkPixelCount } from './pixel-limit';

/** The eight bytes every PNG file starts with. */
export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** `true` when the value is bytes starting with the PNG signature, or why not. */
export function checkPng(value: unknown): true | string {
  if (!isBytes(value)) return `expected PNG bytes (a Buffer or Uint8Array), got ${describeHead(value)}`;
  if (value.length < PNG_SIGNATURE.length || PNG_SIGNATURE.some((b, i) => value[i] !== b)) {
    return `expected bytes starting with the PNG signature 89 50 4E 47 0D 0A 1A 0A, got ${describeHead(value)}`;
  }
  return true;
}

/**
 * Decode PNG bytes into RGBA pixels. Every PNG colour type and bit depth is accepted: palette, grey
 * and RGB images get an alpha channel, 16-bit samples are scaled to 8 bits. Gamma is not applied
 * (as PIL does not). Throws an Error saying what is wrong with the data.
 */
export function decodePng(bytes: Uint8Array): IRgbaImage {
  // IHDR is the first chunk: width and height at bytes 16 and 20, checked before pngjs allocates.
  if (bytes.length >= 24) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkPixelCount('png', view.getUint32(16), view.getUint32(20));
  }
  const png = PNG.sync.read(asBuffer(bytes));
  return { width: png.width, height: png.height, channels: 4, data: ownBytes(png.data) };
}

/**
 * Encode an image as PNG (8 bits per sample, deflate level 6 as Pillow uses). A fully opaque image
 * is written as RGB (colour type 2), as PIL writes an RGB image; any other as RGBA (colour type 6).
 */
export function encodePng(image: IRgbaImage): Buffer {
  const opaque = Private.isOpaque(image.data);
  // The sync packer reads only width, height and data; a PNG stream object is not needed.
  const meta = { width: image.width, height: image.height, data: asBuffer(image.data) } as unknown as PNG;
  return PNG.sync.write(meta, { colorType: opaque ? 2 : 6, inputColorType: 6, inputHasAlpha: true, bitDepth: 8, deflateLevel: 6 });
}

namespace Private {
  export function isOpaque(rgba: Uint8Array): boolean {
    for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return false;
    return true;
  }
}
