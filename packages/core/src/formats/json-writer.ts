import { constants } from 'node:buffer';

/** The longest string this JavaScript engine can hold. */
const MAX_STRING_LENGTH = constants.MAX_STRING_LENGTH;

/** A JSON.stringify replacer. */
export type JsonReplacer = (this: unknown, key: string, value: unknown) => unknown;

/**
 * `JSON.stringify(value, replacer, indent)`, for values of any depth: a value nested too deep for
 * JSON.stringify's recursion (a tree a million levels deep) is written by an explicit stack
 * instead, without indentation (indenting it would make the text grow with the square of its
 * depth). `toJSON` and the replacer apply as in JSON.stringify. Returns undefined where
 * JSON.stringify would (a function or undefined at the top).
 */
export function stringifyJson(value: unknown, replacer?: JsonReplacer, indent?: number): string | undefined {
  try {
    return JSON.stringify(value, replacer, indent);
  } catch (err) {
    if (!(err instanceof RangeError) || !/call stack/i.test(err.message)) throw Private.tooLong(err);
  }
  try {
    return Private.compact(value, replacer);
  } catch (err) {
    throw Private.tooLong(err);
  }
}

/** Thrown by `stringifyJson` for a value whose JSON text is longer than a JavaScript string can be. */
export class JsonTooLongError extends RangeError {
  constructor() {
    super(`Its JSON text would be longer than the ${MAX_STRING_LENGTH} characters a JavaScript string can hold`);
    this.name = 'JsonTooLongError';
  }
}

namespace Private {
  /** V8's string length limit overflowed (the message differs between JSON.stringify and join) becomes a JsonTooLongError. */
  export function tooLong(err: unknown): unknown {
    return err instanceof RangeError && /Invalid string length|longer than/i.test(err.message) ? new JsonTooLongError() : err;
  }

  /** An open array or object: what is left to write of it. */
  interface IFrame {
    holder: Record<string, unknown> | unknown[];
    keys: string[] | undefined;
    i: number;
    wrote: boolean;
  }

  /** A value as JSON sees it: after `toJSON` and the replacer, with its holder as `this`. */
  function prepare(holder: unknown, key: string, v: unknown, replacer: JsonReplacer | undefined): unknown {
    if (v !== null && (typeof v === 'object' || typeof v === 'bigint')) {
      const toJSON = (v as { toJSON?: (key: string) => unknown }).toJSON;
      if (typeof toJSON === 'function') v = toJSON.call(v, key);
    }
    return replacer ? replacer.call(holder, key, v) : v;
  }

  /** The text of a value that is not an array or object, or undefined for one JSON leaves out. */
  function scalar(v: unknown): string | undefined {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
    if (v instanceof Number || v instanceof String || v instanceof Boolean) return JSON.stringify(v.valueOf());
    return JSON.stringify(v);
  }

  export function compact(value: unknown, replacer: JsonReplacer | undefined): string | undefined {
    const parts: string[] = [];
    const frames: IFrame[] = [];
    /** Write a prepared value, or open it; false when it is left out. */
    const open = (v: unknown): boolean => {
      if (v === null || typeof v !== 'object' || v instanceof Number || v instanceof String || v instanceof Boolean) {
        const s = scalar(v);
        if (s === undefined) return false;
        parts.push(s);
        return true;
      }
      const isArray = Array.isArray(v);
      parts.push(isArray ? '[' : '{');
      frames.push({ holder: v as IFrame['holder'], keys: isArray ? undefined : Object.keys(v), i: 0, wrote: false });
      return true;
    };
    if (!open(prepare({ '': value }, '', value, replacer))) return undefined;
    while (frames.length) {
      const f = frames[frames.length - 1];
      if (f.keys === undefined) {
        const list = f.holder as unknown[];
        if (f.i === list.length) {
          parts.push(']');
          frames.pop();
          continue;
        }
        const i = f.i++;
        if (i) parts.push(',');
        if (!open(prepare(list, String(i), list[i], replacer))) parts.push('null');
        continue;
      }
      if (f.i === f.keys.length) {
        parts.push('}');
        frames.pop();
        continue;
      }
      const key = f.keys[f.i++];
      const holder = f.holder as Record<string, unknown>;
      const v = prepare(holder, key, holder[key], replacer);
      const at = parts.length;
      parts.push(`${f.wrote ? ',' : ''}${JSON.stringify(key)}:`);
      if (open(v)) f.wrote = true;
      else parts.length = at;
    }
    return parts.join('');
  }
}
