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
  /** The width to show the image at in frontends that read Jupyter's metadata (not its pixel width). */
  width?: number;
  /** The height to show the image at (see `width`). */
  height?: number;
  alt?: string;
}

/**
 * What `application/vnd.taskcell.image+json` carries: which entry of the same bundle holds the
 * image (its data is not repeated), and the pixel size read from the image's header.
 */
export interface IImageInfo {
  mime: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/svg+xml';
  /** Pixels across, when the header says. */
  width?: number;
  /** Pixels down, when the header says. */
  height?: number;
  alt?: string;
}

/**
 * An image as `application/vnd.taskcell.image+json` (drawn by the extension with fit and 1:1 zoom
 * and its pixel size), its own image MIME type (base64 for raster images, text for SVG; what
 * JupyterLab's other views, nbconvert and GitHub show) and a text fallback.
 */
export function imageBundle(image: ImageData, options: IImageOptions = {}): IMimeBundle {
  const bytes = typeof image === 'string' ? undefined : image;
  const mime = options.mime ?? (bytes ? Private.sniff(bytes) : Private.sniffText(image as string));
  const svg = mime === MIME.svg ? (bytes ? Private.utf8(bytes) : (image as string)) : undefined;
  const size = svg !== undefined ? Private.svgSize(svg) : imageSize(bytes ?? Private.headOf(image as string));
  const shown = options.width ? ` ${options.width}x${options.height ?? ''}` : size ? ` ${size.width}×${size.height} px` : '';
  const info: IImageInfo = { mime, ...size, ...(options.alt !== undefined ? { alt: options.alt } : {}) };
  return {
    [MIME.image]: info,
    [mime]: svg ?? (bytes ? base64(bytes) : (image as string)),
    [MIME.plain]: `[${options.alt ?? 'image'} ${mime}${shown}]`,
  };
}

/** The pixel size a PNG, GIF or JPEG header gives, or undefined when the bytes are none of these or cut short. */
export function imageSize(b: Uint8Array): { width: number; height: number } | undefined {
  const u16 = (i: number): number => (b[i] << 8) | b[i + 1];
  const u32 = (i: number): number => ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[12] === 0x49 && b[13] === 0x48 && b[14] === 0x44 && b[15] === 0x52)
    return { width: u32(16), height: u32(20) };
  if (b.length >= 10 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return { width: b[6] | (b[7] << 8), height: b[8] | (b[9] << 8) };
  if (b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  // JPEG: walk the segments to the first start-of-frame (SOF0-SOF15 but DHT, JPG and DAC).
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const m = b[i + 1];
    if (m === 0xff) {
      i++;
      continue;
    }
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return { width: u16(i + 7), height: u16(i + 5) };
    i += m === 0x01 || (m >= 0xd0 && m <= 0xd9) ? 2 : 2 + u16(i + 2);
  }
  return undefined;
}

/** Bytes of base64 text (padding optional, whitespace ignored), without Node's Buffer. */
export function fromBase64(text: string): Uint8Array {
  const clean = text.replace(/[^A-Za-z0-9+/]/g, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    const n =
      (Private.code(clean, i) << 18) | (Private.code(clean, i + 1) << 12) | (Private.code(clean, i + 2) << 6) | Private.code(clean, i + 3);
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** The metadata Jupyter reads an image's size from. */
export function imageMetadata(options: IImageOptions): Record<string, unknown> {
  if (!options.width && !options.height) return {};
  const mime = options.mime ?? MIME.png;
  return { [mime]: { ...(options.width ? { width: options.width } : {}), ...(options.height ? { height: options.height } : {}) } };
}

/** Base64 of bytes, without Node's Buffer (this package runs in the browser too). */
export function base64(bytes: Uint8Array): string {
  const abc = Private.ABC;
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
  export const ABC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

  /** The value of the base64 digit at `i` (0 past the end). */
  export function code(s: string, i: number): number {
    return i < s.length ? ABC.indexOf(s[i]) : 0;
  }

  /** The first bytes of base64 text: enough for any header a JPEG puts before its frame, in practice. */
  export function headOf(text: string): Uint8Array {
    return fromBase64(text.slice(0, 256 * 1024));
  }

  /** An SVG's size from its root element's `width` and `height` (plain or px), else its `viewBox`. */
  export function svgSize(svg: string): { width: number; height: number } | undefined {
    const tag = /<svg\b[^>]*>/i.exec(svg)?.[0];
    if (!tag) return undefined;
    const attr = (name: string): string | undefined => new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(tag)?.[1];
    const px = (v: string | undefined): number | undefined =>
      v && /^\s*[\d.]+\s*(px)?\s*$/.test(v) ? Math.round(parseFloat(v)) : undefined;
    const width = px(attr('width'));
    const height = px(attr('height'));
    if (width && height) return { width, height };
    const box = attr('viewBox')
      ?.trim()
      .split(/[\s,]+/)
      .map(Number);
    return box && box.length === 4 && box[2] > 0 && box[3] > 0 ? { width: Math.round(box[2]), height: Math.round(box[3]) } : undefined;
  }

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
