import { describeValue } from '../../errors';
import type { IDisposable } from '../../events';
import type { IRows } from '../../types';
import type { FormatRegistry, Validator } from '../registry';
import { csvToColumnNames, csvToRows } from './csv-rows';
import { rowsToCsv } from './csv-writer';
import {
  bsonToObjectlist,
  isBsonBytes,
  isObjectlist,
  jsonToObjectlist,
  jsonlinesToObjectlist,
  objectlistToBson,
  objectlistToJson,
  objectlistToJsonlines,
  objectlistToRows,
  rowsToObjectlist,
} from './objectlist';
import { columnNames, columnNamesOfKind, isRows, rowsJsonToRows, rowsToRowsJson } from './rows';

/**
 * The `table` type, native format `rows` (`{fields, rows}`), with Girder Worker's formats and
 * converters (but `r.dataframe`, which registers with the R formats), registered in Girder Worker's order so the
 * shortest converter paths are the ones it picks; plus objectlist -> jsonlines (Girder Worker only
 * read jsonlines), registered last so it changes no other path. Validators check what Girder
 * Worker's check (any string is csv; objectlist looks at its first element only); parsing checks
 * the rest and names the line and column where text breaks.
 */
export function registerTableFormats(registry: FormatRegistry): IDisposable[] {
  const d: IDisposable[] = [];
  const type = 'table';
  const isString: Validator = (v) => typeof v === 'string' || `expected a string, got ${describeValue(v)}`;
  const isList: Validator = (v) => Array.isArray(v) || `expected a list of column names, got ${describeValue(v)}`;
  const rows: Validator = (v) => isRows(v) || `expected an object with keys "fields" and "rows", got ${Private.keysOf(v)}`;
  const objectlist: Validator = (v) =>
    isObjectlist(v) ||
    `expected a list whose first element is an object, got ${Array.isArray(v) ? `a list whose first element is ${describeValue(v[0])}` : describeValue(v)}`;
  const bytes: Validator = (v) => isBsonBytes(v) || `expected BSON bytes (a Buffer or Uint8Array), got ${describeValue(v)}`;

  d.push(registry.registerType({ name: type, nativeFormat: 'rows', description: 'a table: field names and one object per row' }));
  const formats: Array<[string, Validator, { text?: boolean; binary?: boolean; extensions?: string[]; description: string }]> = [
    ['column.names', isList, { description: 'the field names' }],
    ['column.names.continuous', isList, { description: 'the names of the fields whose first value is a number' }],
    ['column.names.discrete', isList, { description: 'the names of the fields whose first value is a string' }],
    ['csv', isString, { text: true, extensions: ['csv'], description: 'comma-separated text, header first' }],
    ['jsonlines', isString, { text: true, extensions: ['jsonlines', 'jsonl'], description: 'one JSON object per line' }],
    ['objectlist', objectlist, { description: 'a list of objects (nested objects are dotted fields)' }],
    ['objectlist.bson', bytes, { binary: true, extensions: ['bson'], description: 'BSON documents one after another' }],
    ['objectlist.json', isString, { text: true, extensions: ['objectlist-json'], description: 'a JSON list of objects (extended JSON)' }],
    ['rows', rows, { description: '{fields, rows}: field names and one object per row' }],
    ['rows.json', isString, { text: true, extensions: ['rows-json'], description: '{fields, rows} as JSON text' }],
    ['tsv', isString, { text: true, extensions: ['tsv'], description: 'tab-separated text, header first' }],
  ];
  for (const [format, validate, extra] of formats) d.push(registry.registerFormat({ type, format, validate, ...extra }));

  const conv = <A>(from: string, to: string, name: string, convert: (v: A) => unknown) =>
    d.push(registry.registerConverter({ type, from, to, name, convert: convert as (v: unknown) => unknown }));
  conv('csv', 'column.names', 'CSV to Column Names', (t: string) => csvToColumnNames(t));
  conv('csv', 'rows', 'CSV to Rows', (t: string) => csvToRows(t, 'csv'));
  conv('jsonlines', 'objectlist', 'JSON lines to objectlist', (t: string) => jsonlinesToObjectlist(t));
  conv('objectlist', 'objectlist.bson', 'objectlist to BSON', (l: unknown[]) => objectlistToBson(l));
  conv('objectlist', 'objectlist.json', 'objectlist to JSON', (l: unknown[]) => objectlistToJson(l));
  conv('objectlist', 'rows', 'objectlist to Rows', (l: unknown[]) => objectlistToRows(l));
  conv('objectlist.bson', 'objectlist', 'BSON to objectlist', (b: Uint8Array | string) => bsonToObjectlist(b));
  conv('objectlist.json', 'objectlist', 'JSON to objectlist', (t: string) => jsonToObjectlist(t));
  conv('rows', 'column.names', 'Rows to Column Names', (r: IRows) => columnNames(r));
  conv('rows', 'column.names.continuous', 'Rows to Column Names Continuous', (r: IRows) => columnNamesOfKind(r, 'numeric'));
  conv('rows', 'column.names.discrete', 'Rows to Column Names Discrete', (r: IRows) => columnNamesOfKind(r, 'string'));
  conv('rows', 'csv', 'Rows to CSV', (r: IRows) => rowsToCsv(r, ','));
  conv('rows', 'objectlist', 'Rows to objectlist', (r: IRows) => rowsToObjectlist(r));
  conv('rows', 'rows.json', 'Rows to Rows JSON', (r: IRows) => rowsToRowsJson(r));
  conv('rows', 'tsv', 'Rows to TSV', (r: IRows) => rowsToCsv(r, '\t'));
  conv('rows.json', 'rows', 'Rows JSON to Rows', (t: string) => rowsJsonToRows(t));
  conv('tsv', 'rows', 'TSV to Rows', (t: string) => csvToRows(t, 'tsv'));
  conv('objectlist', 'jsonlines', 'objectlist to JSON lines', (l: unknown[]) => objectlistToJsonlines(l));
  return d;
}

namespace Private {
  export function keysOf(v: unknown): string {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return describeValue(v);
    return `an object with keys ${JSON.stringify(Object.keys(v))}`;
  }
}
