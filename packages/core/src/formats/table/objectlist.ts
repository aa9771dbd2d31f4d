import { BSON } from 'bson';
import { ConversionError, ValidationError, describeValue } from '../../errors';
import type { IRows } from '../../types';
import { ejsonCompact, ejsonDumps, ejsonLoads } from './json-text';
import { isDict } from './rows';

/**
 * The objectlist -> rows converter: nested objects are flattened to dotted field names
 * (`{a: {b: 5}}` gives field `a.b`), fields listed in the order first seen across all objects, and
 * a row has only the fields its object has. Values that are not plain objects (lists, ObjectIds,
 * dates) are cells as they are.
 */
export function objectlistToRows(list: unknown[]): IRows {
  const seen = new Set<string>();
  const rows: Array<Record<string, unknown>> = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const row: Record<string, unknown> = {};
    flattenInto(list[i], row, seen);
    rows[i] = row;
  }
  return { fields: [...seen], rows };
}

/** Flatten one object into a row (dotted keys), adding new fields to `seen` in the order met. */
export function flattenInto(obj: unknown, row: Record<string, unknown>, seen: Set<string>): void {
  if (isDict(obj)) Private.subkeys('', 0, obj, row, seen);
}

/**
 * The rows -> objectlist converter: each row becomes an object, dotted keys nested again
 * (`a.b` -> `{a: {b: ...}}`). Unlike Girder Worker, whose `set_nested` replaced the parent object
 * at each dotted key (so `a.b` and `a.c` kept only `a.c`), keys sharing a parent are merged.
 */
export function rowsToObjectlist(table: IRows): Array<Record<string, unknown>> {
  const rows = table.rows;
  const out: Array<Record<string, unknown>> = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = nestRow(rows[i]);
  return out;
}

/** One row as an object with its dotted keys nested. */
export function nestRow(row: Record<string, unknown>): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  let made: Set<object> | undefined;
  for (const k of Object.keys(row)) {
    const v = row[k];
    if (!k.includes('.')) {
      Private.set(item, k, v);
      continue;
    }
    const path = k.split('.');
    let o = item;
    for (let j = 0; j < path.length - 1; j++) {
      const p = path[j];
      let next = Object.prototype.hasOwnProperty.call(o, p) ? o[p] : undefined;
      if (!made?.has(next as object)) {
        next = {};
        (made ??= new Set()).add(next as object);
        Private.set(o, p, next);
      }
      o = next as Record<string, unknown>;
    }
    Private.set(o, path[path.length - 1], v);
  }
  return item;
}

/** Girder Worker's objectlist validator: a list, empty or with a dict first (later elements are not checked). */
export function isObjectlist(v: unknown): boolean {
  return Array.isArray(v) && (v.length === 0 || isDict(v[0]));
}

/** The objectlist -> objectlist.json converter (`bson.json_util.dumps`). */
export function objectlistToJson(list: unknown[]): string {
  return ejsonDumps(list);
}

/** The objectlist.json -> objectlist converter (`bson.json_util.loads`); the text must hold a list. */
export function jsonToObjectlist(text: string): unknown[] {
  const v = ejsonLoads(text, { format: 'objectlist.json' });
  if (!Array.isArray(v)) {
    throw new ValidationError(`Text of type "table" and format "objectlist.json" must hold a JSON list, got ${describeValue(v)}`, {
      type: 'table',
      format: 'objectlist.json',
    });
  }
  return v;
}

/** The objectlist -> objectlist.bson converter: the BSON documents one after another. */
export function objectlistToBson(list: unknown[]): Buffer {
  return Buffer.concat(
    list.map((doc, i) => {
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
        throw new ConversionError(
          `Cannot write table/objectlist.bson: element ${i} is ${describeValue(doc)}, expected an object (a BSON document)`,
          {
            type: 'table',
            format: 'objectlist',
            to: 'objectlist.bson',
          },
        );
      }
      return BSON.serialize(doc as Record<string, unknown>);
    }),
  );
}

/**
 * The objectlist.bson -> objectlist converter (`bson.decode_all`). Bytes come as a Buffer or
 * Uint8Array, or as a string of bytes (Latin-1), Python 2's `str`.
 */
export function bsonToObjectlist(data: Uint8Array | string): Array<Record<string, unknown>> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: Array<Record<string, unknown>> = [];
  let offset = 0;
  while (offset < buf.length) {
    const size = buf.length - offset >= 4 ? buf.readInt32LE(offset) : -1;
    if (size < 5 || offset + size > buf.length) {
      throw new ValidationError(
        `Bytes of type "table" and format "objectlist.bson" are not valid BSON at byte ${offset}: expected a document length of 5 to ${buf.length - offset} bytes, got ${size < 0 ? `${buf.length - offset} trailing bytes` : size}`,
        { type: 'table', format: 'objectlist.bson', offset },
      );
    }
    try {
      out.push(BSON.deserialize(buf.subarray(offset, offset + size)));
    } catch (err) {
      throw new ValidationError(
        `Bytes of type "table" and format "objectlist.bson" are not valid BSON in the document at byte ${offset}: ${(err as Error).message}`,
        { type: 'table', format: 'objectlist.bson', offset },
        { cause: err },
      );
    }
    offset += size;
  }
  return out;
}

/** Girder Worker's objectlist.bson validator, Python 2 `str`: bytes (a Buffer or Uint8Array) or a byte string. */
export function isBsonBytes(v: unknown): boolean {
  return v instanceof Uint8Array || typeof v === 'string';
}

/**
 * The jsonlines -> objectlist converter: one JSON document per line (`bson.json_util.loads`), lines
 * ended by `\n`, `\r\n` or `\r`. Blank lines are skipped (Girder Worker failed on them).
 */
export function jsonlinesToObjectlist(text: string): unknown[] {
  const out: unknown[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (Private.BLANK.test(line)) continue;
    out.push(ejsonLoads(line, { format: 'jsonlines', line: i + 1 }));
  }
  return out;
}

/**
 * The objectlist -> jsonlines converter (not in Girder Worker, which only read jsonlines): one
 * compact JSON document per object, each ended by `\n`; BSON values in extended JSON.
 */
export function objectlistToJsonlines(list: unknown[]): string {
  let out = '';
  for (const obj of list) out += jsonlinesLine(obj);
  return out;
}

/** One object as a line of jsonlines, `\n` included. */
export function jsonlinesLine(obj: unknown): string {
  return `${ejsonCompact(obj)}\n`;
}

namespace Private {
  export const BLANK = /^[ \t]*$/;

  export function set(o: Record<string, unknown>, k: string, v: unknown): void {
    if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
    else o[k] = v;
  }

  export function subkeys(
    prefix: string,
    depth: number,
    obj: Record<string, unknown>,
    row: Record<string, unknown>,
    seen: Set<string>,
  ): void {
    for (const k of Object.keys(obj)) {
      const field = depth === 0 ? k : `${prefix}.${k}`;
      const v = obj[k];
      if (isDict(v)) {
        subkeys(field, depth + 1, v, row, seen);
      } else {
        seen.add(field);
        set(row, field, v);
      }
    }
  }
}
