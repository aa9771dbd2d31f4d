import { BSON, EJSON } from 'bson';
import type { IRows } from '../../types';

/** A list of objects: Girder Worker's `objectlist`. Values that BSON types (ObjectId, dates) are held as extended JSON (`{"$oid": ...}`), so the list stays plain data. */
export type ObjectList = Array<Record<string, unknown>>;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) && !Object.keys(v).some((k) => k.startsWith('$'));

/** objectlist -> rows: nested objects flattened to dotted fields, fields in first-seen order across all objects. */
export function objectListToRows(list: ObjectList): IRows {
  const fields: string[] = [];
  const seen = new Set<string>();
  const rows = list.map((obj) => {
    const row: Record<string, unknown> = {};
    flatten(obj, '', row);
    for (const k of Object.keys(row)) {
      if (!seen.has(k)) {
        seen.add(k);
        fields.push(k);
      }
    }
    return row;
  });
  return { fields, rows };
}

/** rows -> objectlist: dotted keys nested again (Girder Worker's set_nested). */
export function rowsToObjectList(rows: IRows): ObjectList {
  return rows.rows.map(nestRow);
}

/** One row with its dotted keys nested: `{"a.b": 1}` -> `{a: {b: 1}}`. */
export function nestRow(row: Record<string, unknown>): Record<string, unknown> {
  let dotted = false;
  for (const k in row) if (k.includes('.')) dotted = true;
  if (!dotted) return { ...row };
  const obj: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    const parts = k.split('.');
    let cur = obj;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = cur[parts[i]];
      cur = cur[parts[i]] = isPlainObject(next) ? next : {};
    }
    cur[parts[parts.length - 1]] = v;
  }
  return obj;
}

/** objectlist -> concatenated BSON documents. Extended JSON values become their BSON types. */
export function objectListToBson(list: ObjectList): Buffer {
  return Buffer.concat(list.map((doc) => BSON.serialize(EJSON.deserialize(doc as never, { relaxed: true }) as Record<string, unknown>)));
}

/** Concatenated BSON documents -> objectlist (BSON types as extended JSON). */
export function bsonToObjectList(bytes: Uint8Array): ObjectList {
  const out: ObjectList = [];
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < buf.length; ) {
    if (buf.length - at < 5) throw new RangeError(`a BSON document at byte ${at} is cut short (${buf.length - at} bytes left)`);
    const size = buf.readInt32LE(at);
    if (size < 5 || at + size > buf.length) throw new RangeError(`the BSON document at byte ${at} claims ${size} bytes, ${buf.length - at} are left`);
    out.push(EJSON.serialize(BSON.deserialize(buf.subarray(at, at + size)), { relaxed: true }) as Record<string, unknown>);
    at += size;
  }
  return out;
}

/** jsonlines -> objectlist: one JSON document per line; blank lines are skipped. */
export function jsonLinesToObjectList(text: string): ObjectList {
  const out: ObjectList = [];
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch (err) {
      throw Object.assign(new SyntaxError(`line ${lineNo}: ${(err as Error).message}`), { line: lineNo });
    }
  }
  return out;
}

function flatten(obj: Record<string, unknown>, prefix: string, out: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v)) flatten(v, key, out);
    else out[key] = v;
  }
}
