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

/**
 * True when JSON carries the value unchanged: null, strings, booleans, finite numbers (not -0), and
 * arrays and plain objects of those (no holes, no undefined properties), down to a modest depth.
 */
export function isJsonSafe(v: unknown, depth = 0): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object':
      break;
    default:
      return false;
  }
  if (v === null) return true;
  if (depth > 32) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!(i in v) || !isJsonSafe(v[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const k in v as object) if (!isJsonSafe((v as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
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
