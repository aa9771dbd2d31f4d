import type { FormatMap } from '@taskcell/core';
import { MIME } from './mime';
import type { IMimeBundle } from './mime';

/**
 * Image data as core's encoded image formats carry it: the bytes (`image:png`, `image:jpeg`) or
 * base64 text (`image:png.base64`); SVG as bytes or text.
 */
export type ImageData = FormatMap['image/png'] | FormatMap['image/jpeg'] | FormatMap['image/png.base64'];

/** Options of `imageBundle`. */
export interface IImageOptions {
  /** Defaults to what the bytes say (PNG, JPEG, GIF, SVG), else PNG. */
  mime?: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/svg+xml';
  width?: number;
  height?: number;
  alt?: string;
}

/** An image as its image MIME type (base64 for raster images, text for SVG) with a text fallback. */
export function imageBundle(image: ImageData, options: IImageOptions = {}): IMimeBundle {
  const bytes = typeof image === 'string' ? undefined : image;
  const mime = options.mime ?? (bytes ? Private.sniff(bytes) : Private.sniffText(image as string));
  const label = `[${options.alt ?? 'image'} ${mime}${options.width ? ` ${options.width}x${options.height ?? ''}` : ''}]`;
  if (mime === MIME.svg) {
    const svg = bytes ? Private.utf8(bytes) : (image as string);
    return { [MIME.svg]: svg, [MIME.plain]: label };
  }
  return { [mime]: bytes ? base64(bytes) : (image as string), [MIME.plain]: label };
}

/** The metadata Jupyter reads an image's size from. */
export function imageMetadata(options: IImageOptions): Record<string, unknown> {
  if (!options.width && !options.height) return {};
  const mime = options.mime ?? MIME.png;
  return { [mime]: { ...(options.width ? { width: options.width } : {}), ...(options.height ? { height: options.height } : {}) } };
}

/** Base64 of bytes, without Node's Buffer (this package runs in the browser too). */
export function base64(bytes: Uint8Array): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += abc[(n >> 18) & 63] + abc[(n >> 12) & 63] + abc[(n >> 6) & 63] + abc[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += `${abc[(n >> 18) & 63]}${abc[(n >> 12) & 63]}==`;
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += `${abc[(n >> 18) & 63]}${abc[(n >> 12) & 63]}${abc[(n >> 6) & 63]}=`;
  }
  return out;
}

namespace Private {
  export function sniff(b: Uint8Array): IImageOptions['mime'] & string {
    if (b[0] === 0xff && b[1] === 0xd8) return MIME.jpeg;
    if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return MIME.gif;
    if (b[0] === 0x3c) return MIME.svg;
    return MIME.png;
  }

  export function sniffText(s: string): IImageOptions['mime'] & string {
    if (s.trimStart().startsWith('<')) return MIME.svg;
    if (s.startsWith('/9j/')) return MIME.jpeg;
    if (s.startsWith('R0lGOD')) return MIME.gif;
    return MIME.png;
  }

  export function utf8(b: Uint8Array): string {
    // TextDecoder is not in the ES lib this package compiles against; percent-decoding is portable.
    return decodeURIComponent(Array.from(b, (x) => `%${x.toString(16).padStart(2, '0')}`).join(''));
  }
}
