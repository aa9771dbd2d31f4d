import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';

/**
 * Hash a value by content: equal data gives equal hashes whatever the key order of its objects.
 * Returns null when the value holds something that has no stable content (a function, a class
 * instance without `toJSON`), so a caller can decline to cache it.
 */
export function hashValue(value: unknown, hash: Hash = createHash('sha256')): Hash | null {
  return Private.walk(value, hash) ? hash : null;
}

/** The hex digest of `hashValue`, or null. */
export function contentHash(value: unknown): string | null {
  return hashValue(value)?.digest('hex') ?? null;
}

/** True when a value is plain data that survives structured cloning unchanged (and so can be stored). */
export function isPlainData(value: unknown, depth = 0): boolean {
  if (depth > 200) return false;
  if (value === null || value === undefined) return true;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (Array.isArray(value)) return value.every((v) => isPlainData(v, depth + 1));
  if (ArrayBuffer.isView(value) || value instanceof Date) return true;
  if (value instanceof Map) return [...value].every(([k, v]) => isPlainData(k, depth + 1) && isPlainData(v, depth + 1));
  if (value instanceof Set) return [...value].every((v) => isPlainData(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const k in value as object) if (!isPlainData((value as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

namespace Private {
  export function walk(v: unknown, h: Hash): boolean {
    if (v === null) return (h.update('n'), true);
    switch (typeof v) {
      case 'undefined':
        h.update('u');
        return true;
      case 'string':
        h.update(`s${v.length}:`).update(v);
        return true;
      case 'number':
        h.update(`d${Object.is(v, -0) ? '-0' : v};`);
        return true;
      case 'boolean':
        h.update(v ? 'T' : 'F');
        return true;
      case 'bigint':
        h.update(`b${v};`);
        return true;
      case 'object':
        break;
      default:
        return false;
    }
    if (Array.isArray(v)) {
      h.update(`a${v.length}[`);
      for (const e of v) if (!walk(e, h)) return false;
      h.update(']');
      return true;
    }
    if (ArrayBuffer.isView(v)) {
      h.update(`x${v.byteLength}:`).update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      return true;
    }
    if (v instanceof Date) return (h.update(`t${v.getTime()};`), true);
    if (v instanceof Map) {
      h.update(`m${v.size}{`);
      for (const [k, e] of v) if (!walk(k, h) || !walk(e, h)) return false;
      h.update('}');
      return true;
    }
    if (v instanceof Set) {
      h.update(`e${v.size}{`);
      for (const e of v) if (!walk(e, h)) return false;
      h.update('}');
      return true;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      const toJSON = (v as { toJSON?: () => unknown }).toJSON;
      if (typeof toJSON !== 'function') return false;
      h.update(`c${(v as object).constructor?.name ?? ''}:`);
      return walk(toJSON.call(v), h);
    }
    const keys = Object.keys(v).sort();
    h.update(`o${keys.length}{`);
    for (const k of keys) {
      h.update(`${k.length}:`).update(k);
      if (!walk((v as Record<string, unknown>)[k], h)) return false;
    }
    h.update('}');
    return true;
  }
}
