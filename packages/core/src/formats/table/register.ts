import type { IDisposable } from '../../events';
import type { FormatRegistry, Validator } from '../registry';
import { pythonJson } from '../python-json';
import type { IRows } from '../../types';
import { csvHeader, csvToRows, rowsToCsv } from './csv';
import { bsonToObjectList, jsonLinesToObjectList, objectListToBson, objectListToRows, rowsToObjectList } from './objectlist';
import type { ObjectList } from './objectlist';

/**
 * The `table` type, native format `rows` (`{fields, rows}`), with Girder Worker's formats and
 * converters (all but `r.dataframe`, which needs R) and one more: objectlist -> jsonlines, so a
 * CSV can become JSON lines. Validators check shapes as Girder Worker's do (any string is csv;
 * objectlist checks only the first element); parsing checks the rest, with line and column.
 */
export function registerTableFormats(registry: FormatRegistry): IDisposable[] {
  const d: IDisposable[] = [];
  const type = 'table';
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : typeof v);
  const isString: Validator = (v) => typeof v === 'string' || `expected a string, got ${kind(v)}`;
  const isList: Validator = (v) => Array.isArray(v) || `expected a list of column names, got ${kind(v)}`;
  const rows: Validator = (v) =>
    (v !== null && typeof v === 'object' && !Array.isArray(v) && 'fields' in v && 'rows' in v) ||
    `expected an object with "fields" and "rows", got ${kind(v)}${v && typeof v === 'object' && !Array.isArray(v) ? ` with keys ${Object.keys(v).join(', ') || 'none'}` : ''}`;
  const objectlist: Validator = (v) => {
    if (!Array.isArray(v)) return `expected a list of objects, got ${kind(v)}`;
    return v.length === 0 || (v[0] !== null && typeof v[0] === 'object' && !Array.isArray(v[0])) || `expected a list of objects, its first element is ${kind(v[0])}`;
  };
  const bytes: Validator = (v) => v instanceof Uint8Array || `expected BSON bytes, got ${kind(v)}`;

  d.push(registry.registerType({ name: type, nativeFormat: 'rows', description: 'a table of rows with named fields' }));
  const formats: Array<[string, Validator, { text?: boolean; binary?: boolean; extensions?: string[] }]> = [
    ['rows', rows, {}],
    ['rows.json', isString, { text: true, extensions: ['rows-json'] }],
    ['objectlist', objectlist, {}],
    ['objectlist.json', isString, { text: true, extensions: ['objectlist-json'] }],
    ['objectlist.bson', bytes, { binary: true, extensions: ['bson'] }],
    ['csv', isString, { text: true, extensions: ['csv'] }],
    ['tsv', isString, { text: true, extensions: ['tsv'] }],
    ['jsonlines', isString, { text: true, extensions: ['jsonlines', 'jsonl'] }],
    ['column.names', isList, {}],
    ['column.names.continuous', isList, {}],
    ['column.names.discrete', isList, {}],
  ];
  for (const [format, validate, extra] of formats) d.push(registry.registerFormat({ type, format, validate, ...extra }));

  const first = (r: IRows) => r.rows[0] ?? {};
  const conv = (from: string, to: string, convert: (v: never) => unknown) => d.push(registry.registerConverter({ type, from, to, convert: convert as (v: unknown) => unknown }));
  // Girder Worker's converters, in its order; shortest paths then match the ones it picks.
  conv('csv', 'column.names', (t: string) => csvHeader(t));
  conv('csv', 'rows', (t: string) => csvToRows(t, 'csv'));
  conv('jsonlines', 'objectlist', (t: string) => jsonLinesToObjectList(t));
  conv('objectlist', 'objectlist.bson', (l: ObjectList) => objectListToBson(l));
  conv('objectlist', 'objectlist.json', (l: ObjectList) => pythonJson(l));
  conv('objectlist', 'rows', (l: ObjectList) => objectListToRows(l));
  conv('objectlist.bson', 'objectlist', (b: Uint8Array) => bsonToObjectList(b));
  conv('objectlist.json', 'objectlist', (t: string) => JSON.parse(t));
  conv('rows', 'column.names', (r: IRows) => [...r.fields]);
  conv('rows', 'column.names.continuous', (r: IRows) => r.fields.filter((f) => ['number', 'boolean'].includes(typeof first(r)[f])));
  conv('rows', 'column.names.discrete', (r: IRows) => r.fields.filter((f) => typeof first(r)[f] === 'string'));
  conv('rows', 'csv', (r: IRows) => rowsToCsv(r, ','));
  conv('rows', 'objectlist', (r: IRows) => rowsToObjectList(r));
  conv('rows', 'rows.json', (r: IRows) => pythonJson({ fields: r.fields, rows: r.rows }));
  conv('rows', 'tsv', (r: IRows) => rowsToCsv(r, '\t'));
  conv('rows.json', 'rows', (t: string) => JSON.parse(t));
  conv('tsv', 'rows', (t: string) => csvToRows(t, 'tsv'));
  // Not in Girder Worker: JSON lines out, so tables stream to jsonlines.
  conv('objectlist', 'jsonlines', (l: ObjectList) => l.map((o) => `${JSON.stringify(o)}\n`).join(''));
  return d;
}
