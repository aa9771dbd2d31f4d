import { deserialize, serialize } from 'node:v8';

/**
 * Values crossing to a thread or through Redis. Structured clone (threads) turns a Buffer into a
 * plain Uint8Array, and JSON (Redis) loses typed arrays altogether, so a value holding either goes
 * as v8's serialization, which keeps both; everything else crosses as it is.
 */
export type Packed = { v8: Uint8Array } | { plain: unknown };

/** Pack a value for structured clone (threads): as it is unless it holds a Buffer. */
export function packForThread(value: unknown): Packed {
  return Private.holdsBytes(value, 0) ? { v8: serialize(value) } : { plain: value };
}

/** The value back from `packForThread`. */
export function unpackFromThread(packed: Packed): unknown {
  return 'v8' in packed ? deserialize(packed.v8) : packed.plain;
}

/** Encode any structured-cloneable value as bytes (v8 serialization; keeps Buffers and typed arrays). */
export function encodeBytes(value: unknown): Buffer {
  return serialize(value);
}

/** Decode bytes from `encodeBytes`. */
export function decodeBytes(bytes: Uint8Array): unknown {
  return deserialize(bytes);
}

namespace Private {
  /** True when the value holds a Buffer or typed array somewhere (looked for down to a modest depth). */
  export function holdsBytes(v: unknown, depth: number): boolean {
    if (v === null || typeof v !== 'object') return false;
    if (ArrayBuffer.isView(v)) return true;
    if (depth > 32) return true;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object' && holdsBytes(x, depth + 1)) return true;
      return false;
    }
    if (v instanceof Map || v instanceof Set) return true;
    for (const k in v) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== null && typeof x === 'object' && holdsBytes(x, depth + 1)) return true;
    }
    return false;
  }
}
