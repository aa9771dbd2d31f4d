/**
 * A decoded image in memory: 8-bit RGBA pixels, row by row from the top-left corner. It is plain
 * data (numbers and one Uint8Array), so it hashes by content, fits the result cache and crosses
 * thread boundaries by structured clone. Girder Worker's `image/pil` format (a PIL Image) maps to it.
 */
export interface IRgbaImage {
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /**
   * Always 4: red, green, blue, alpha. Typed as a number so a literal `{ width, height, channels: 4,
   * data }` kept in a variable still fits; the image validator refuses any other count.
   */
  channels: number;
  /** `width * height * 4` bytes: R, G, B, A for each pixel. */
  data: Uint8Array;
  /**
   * Set by a python step whose image had a mode RGBA cannot hold (Pillow's `I`, `F`, `L`, ...): the
   * exact mode and bytes, and the SHA-1 of `data` they were rendered to, so the next python step
   * gets the very same image back as long as no step changed `data` in between.
   */
  pil?: { mode: string; data: Uint8Array; rgba_sha1: string };
}

/**
 * Make an image from its size and RGBA bytes (a transparent black image when `data` is omitted).
 * Throws a RangeError when the size or the byte count is wrong.
 */
export function rgbaImage(width: number, height: number, data?: Uint8Array): IRgbaImage {
  const image: IRgbaImage = { width, height, channels: 4, data: data ?? new Uint8Array(Math.max(0, width * height * 4)) };
  const check = checkRgbaImage(image);
  if (check !== true) throw new RangeError(check);
  return image;
}

/**
 * `true` when a value has the shape of an IRgbaImage, or why not: positive integer width and
 * height, `channels: 4`, and a Uint8Array of exactly `width * height * 4` bytes.
 */
export function checkRgbaImage(value: unknown): true | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return `expected a decoded image {width, height, channels: 4, data: Uint8Array}, got ${Private.kind(value)}`;
  }
  const { width, height, channels, data } = value as Partial<IRgbaImage>;
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return `expected "${name}" to be an integer >= 1, got ${Private.kind(v)}`;
  }
  if (channels !== 4) return `expected "channels" to be 4 (RGBA), got ${Private.kind(channels)}`;
  if (!(data instanceof Uint8Array)) return `expected "data" to be a Uint8Array of RGBA bytes, got ${Private.kind(data)}`;
  const want = width! * height! * 4;
  if (data.length !== want) return `expected "data" to hold ${width} x ${height} x 4 = ${want} bytes, got ${data.length}`;
  return true;
}

namespace Private {
  export function kind(v: unknown): string {
    if (v === null) return 'null';
    if (v === undefined) return 'undefined';
    if (Array.isArray(v)) return `an array of ${v.length}`;
    if (v instanceof Uint8Array) return `${v.constructor.name}(${v.length})`;
    if (typeof v === 'object') return v.constructor && v.constructor !== Object ? `a ${v.constructor.name}` : 'an object';
    return `${typeof v} ${String(JSON.stringify(v)).slice(0, 40)}`;
  }
}
