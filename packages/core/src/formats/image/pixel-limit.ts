import { ValidationError } from '../../errors';

/**
 * How many pixels a decoded image may have; above it decoding is refused before any pixel memory
 * is taken (a few KB of PNG can declare 20000×20000). The default is Pillow's `MAX_IMAGE_PIXELS`
 * (89,478,485, about 1/4 GB of 24-bit pixels); `TASKCELL_MAX_IMAGE_PIXELS` or `setMaxImagePixels`
 * change it.
 */
export function maxImagePixels(): number {
  return Private.limit ?? Private.fromEnv();
}

/** Set the pixel limit of image decoding (`undefined` restores the default). */
export function setMaxImagePixels(pixels: number | undefined): void {
  if (pixels !== undefined && !(Number.isInteger(pixels) && pixels > 0)) {
    throw new ValidationError(`Expected the image pixel limit to be an integer > 0, got ${pixels}`, {});
  }
  Private.limit = pixels;
}

/** Throw a ValidationError when an image of `width`×`height` (from its header) is over the limit. */
export function checkPixelCount(format: string, width: number, height: number): void {
  const max = maxImagePixels();
  if (width * height > max) {
    throw new ValidationError(
      `Image of ${width}×${height} = ${width * height} pixels exceeds the limit of ${max} pixels ` +
        `(a decompression bomb?); expected at most ${max} (set TASKCELL_MAX_IMAGE_PIXELS to allow more)`,
      { type: 'image', format },
    );
  }
}

namespace Private {
  export let limit: number | undefined;
  /** Pillow's `Image.MAX_IMAGE_PIXELS`. */
  const PILLOW_MAX_IMAGE_PIXELS = 89_478_485;

  export function fromEnv(): number {
    const v = Number(process.env.TASKCELL_MAX_IMAGE_PIXELS);
    return Number.isInteger(v) && v > 0 ? v : PILLOW_MAX_IMAGE_PIXELS;
  }
}
