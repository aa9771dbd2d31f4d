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
  /** Text to write to the hash once the values pushed after it (and before it on the stack) are done. */
  class Emit {
    constructor(readonly text: string) {}
  }

  /**
   * Feed a value to the hash, depth first, with an explicit stack (no recursion limit: a tree a
   * million levels deep hashes as any other). Returns false at the first value without stable content.
   */
  export function walk(root: unknown, h: Hash): boolean {
    const stack: unknown[] = [root];
    while (stack.length) {
      const v = stack.pop();
      if (v instanceof Emit) {
        h.update(v.text);
        continue;
      }
      if (!one(v, h, stack)) return false;
    }
    return true;
  }

  /** Hash a scalar, or open a container: write its head and push its members (last first) and its tail. */
  function one(v: unknown, h: Hash, stack: unknown[]): boolean {
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
      stack.push(new Emit(']'));
      for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
      return true;
    }
    if (ArrayBuffer.isView(v)) {
      h.update(`x${v.byteLength}:`).update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      return true;
    }
    if (v instanceof Date) return (h.update(`t${v.getTime()};`), true);
    if (v instanceof Map || v instanceof Set) {
      h.update(`${v instanceof Map ? 'm' : 'e'}${v.size}{`);
      stack.push(new Emit('}'));
      const members = v instanceof Map ? [...v].flat() : [...v];
      for (let i = members.length - 1; i >= 0; i--) stack.push(members[i]);
      return true;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      const toJSON = (v as { toJSON?: () => unknown }).toJSON;
      if (typeof toJSON !== 'function') return false;
      h.update(`c${(v as object).constructor?.name ?? ''}:`);
      stack.push(toJSON.call(v));
      return true;
    }
    const keys = Object.keys(v).sort();
    h.update(`o${keys.length}{`);
    stack.push(new Emit('}'));
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i];
      stack.push((v as Record<string, unknown>)[k], new Emit(`${k.length}:${k}`));
    }
    return true;
  }
}
