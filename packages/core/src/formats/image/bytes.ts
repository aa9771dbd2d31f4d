/**
 * Byte helpers shared by the image formats. Checks avoid `instanceof` so that a Buffer or
 * Uint8Array made in another realm (a worker thread, a vm context) is recognized too.
 */

/** True for a Uint8Array, a Buffer included. */
export function isBytes(value: unknown): value is Uint8Array {
  return ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]';
}

/** The first bytes of a value in hex (`89 50 4E 47`), or what the value is when it has no bytes; for error messages. */
export function describeHead(value: unknown, count = 8): string {
  if (isBytes(value)) {
    if (value.length === 0) return 'no bytes (empty)';
    const head = [...value.subarray(0, count)].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
    return `bytes ${head}${value.length > count ? ' ...' : ''}`;
  }
  if (typeof value === 'string') return `a string ${JSON.stringify(value.length > 30 ? `${value.slice(0, 27)}...` : value)}`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** A Buffer over the same memory as the bytes (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A plain Uint8Array (not a Buffer) that owns exactly its bytes: the same memory when the view
 * spans its whole ArrayBuffer, a copy otherwise (a slice of Node's Buffer pool would drag the
 * whole pool into a structured clone).
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
    return Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, 0, bytes.byteLength) : bytes;
  }
  return new Uint8Array(bytes);
}
