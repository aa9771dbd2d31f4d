import { ConversionError, ValidationError, describeValue } from '../../errors';
import type { IRows } from '../../types';
import { ejsonDumps, ejsonLoads } from './json-text';

/** Girder Worker's rows validator: a dict with keys `fields` and `rows` (only their presence is checked). */
export function isRows(v: unknown): v is IRows {
  return isDict(v) && Object.prototype.hasOwnProperty.call(v, 'fields') && Object.prototype.hasOwnProperty.call(v, 'rows');
}

/** A Python dict's stand-in: a plain object (BSON values, dates and class instances are not). */
export function isDict(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * The rows -> rows.json converter (`bson.json_util.dumps`): Python-style JSON text, `fields` then
 * `rows` (then any other keys). Each row's keys are written in insertion order, as Python would;
 * where a field name is an integer (`"1"`, which JavaScript objects put first), in field order.
 */
export function rowsToRowsJson(table: IRows): string {
  const w = new RowsJsonWriter(table.fields);
  let out = w.head;
  for (const row of table.rows) out += w.row(row);
  out += ']';
  for (const k of Object.keys(table)) {
    if (k !== 'fields' && k !== 'rows') out += `, ${ejsonDumps(k)}: ${ejsonDumps((table as unknown as Record<string, unknown>)[k])}`;
  }
  return `${out}}`;
}

/** Writes rows.json text piece by piece: `head`, then `row()` for each row, then `tail`. */
export class RowsJsonWriter {
  /** The text before the first row. */
  readonly head: string;
  /** The text after the last row. */
  readonly tail = ']}';
  private readonly ordered: string[] | undefined;
  private count = 0;

  constructor(fields: string[]) {
    this.head = `{"fields": ${ejsonDumps(fields)}, "rows": [`;
    this.ordered = Array.isArray(fields) && fields.some((f) => Private.INDEX.test(f)) ? [...new Set(fields)] : undefined;
  }

  /** One row, with the separator before it. */
  row(row: unknown): string {
    const text = this.ordered && isDict(row) ? Private.orderedRow(row, this.ordered) : ejsonDumps(row);
    return this.count++ ? `, ${text}` : text;
  }
}

/** The rows.json -> rows converter (`bson.json_util.loads`); the text must hold an object with `fields` and `rows`. */
export function rowsJsonToRows(text: string): IRows {
  const v = ejsonLoads(text, { format: 'rows.json' });
  if (!isRows(v)) {
    throw new ValidationError(
      `Text of type "table" and format "rows.json" must hold an object with keys "fields" and "rows", got ${describeValue(v)}${isDict(v) ? ` with keys ${JSON.stringify(Object.keys(v))}` : ''}`,
      { type: 'table', format: 'rows.json' },
    );
  }
  return v;
}

/** The rows -> column.names converter: the fields. */
export function columnNames(table: IRows): string[] {
  return table.fields;
}

/**
 * The rows -> column.names.continuous (`numeric`) and rows -> column.names.discrete (`string`)
 * converters: the fields whose value in the first row is a number (a boolean counts, as in Python)
 * or a string.
 */
export function columnNamesOfKind(table: IRows, kind: 'numeric' | 'string'): string[] {
  const format = kind === 'numeric' ? 'column.names.continuous' : 'column.names.discrete';
  const first = table.rows[0];
  if (!isDict(first)) {
    throw new ConversionError(
      `Cannot find the ${format} of a table: expected a first row (an object) to look at, got ${table.rows.length ? describeValue(first) : 'no rows'}`,
      { type: 'table', format: 'rows', to: format },
    );
  }
  return table.fields.filter((f) => {
    if (!Object.prototype.hasOwnProperty.call(first, f)) {
      throw new ConversionError(`Cannot find the ${format} of a table: the first row has no value for field ${JSON.stringify(f)}`, {
        type: 'table',
        format: 'rows',
        to: format,
      });
    }
    const t = typeof first[f];
    return kind === 'string' ? t === 'string' : t === 'number' || t === 'boolean' || t === 'bigint';
  });
}

namespace Private {
  /** Keys that JavaScript objects order before all others (array indices). */
  export const INDEX = /^(?:0|[1-9]\d{0,9})$/;

  export function orderedRow(row: Record<string, unknown>, fields: string[]): string {
    let out = '{';
    let first = true;
    const put = (k: string) => {
      const v = row[k];
      if (v === undefined) return;
      out += `${first ? '' : ', '}${ejsonDumps(k)}: ${ejsonDumps(v)}`;
      first = false;
    };
    const seen = new Set<string>();
    for (const f of fields) {
      if (Object.prototype.hasOwnProperty.call(row, f)) {
        seen.add(f);
        put(f);
      }
    }
    for (const k of Object.keys(row)) if (!seen.has(k)) put(k);
    return `${out}}`;
  }
}
