import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { OptionError } from '../errors';
import { csvToRows } from '../formats/table/csv-rows';
import type { IRows } from '../types';

/** A folder of files, one item per file whose path (relative to the folder, with `/`) matches `glob`. */
export interface IFolderDataset {
  folder: string;
  /** `*`, `?`, `**` and `{a,b}` as in a shell; `*` (every file directly in the folder) by default. */
  glob?: string;
}

/**
 * What `map` runs over: a folder (a path, or `{ folder, glob }`), a table file (`.csv`, `.tsv`,
 * `.jsonl`, `.json` holding an array), a table in memory (`{ fields, rows }`), or a list.
 */
export type Dataset = string | IFolderDataset | IRows | readonly unknown[];

/** One item of a dataset: a file, or a value (a row or a list element). */
export type DatasetItem = { kind: 'file'; label: string; path: string } | { kind: 'value'; label: number; value: unknown };

/** The items of a dataset, in a stable order (files sorted by path, rows and lists as given). */
export function datasetItems(dataset: Dataset): DatasetItem[] {
  if (Array.isArray(dataset)) return dataset.map((value, i) => ({ kind: 'value', label: i, value }));
  if (typeof dataset === 'string') {
    const st = Private.stat(dataset);
    if (st.isDirectory()) return folderItems({ folder: dataset });
    return tableItems(Private.readTableFile(dataset));
  }
  if (Private.isRows(dataset)) return tableItems(dataset);
  if (dataset !== null && typeof dataset === 'object' && typeof (dataset as IFolderDataset).folder === 'string') {
    return folderItems(dataset as IFolderDataset);
  }
  throw new OptionError(
    `Expected a dataset (a folder path, { folder, glob }, a table file, { fields, rows } or an array), got ${Private.describe(dataset)}`,
    { option: 'dataset' },
  );
}

/** The files of a folder that match its glob, sorted by relative path. */
export function folderItems(dataset: IFolderDataset): DatasetItem[] {
  const glob = dataset.glob ?? '*';
  const re = globToRegExp(glob);
  const deep = glob.includes('/') || glob.includes('**');
  // Absolute paths: a file item may be read where the caller's working directory means nothing (a container's mount, a worker).
  const folder = resolve(dataset.folder);
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        if (deep) walk(full);
      } else if (re.test(relative(folder, full).split(sep).join('/'))) found.push(full);
    }
  };
  Private.stat(folder);
  walk(folder);
  found.sort();
  return found.map((path) => ({ kind: 'file', label: relative(folder, path).split(sep).join('/'), path }));
}

/** A row feeds its value: the cell itself when the table has one column, else the row object. */
export function tableItems(table: IRows): DatasetItem[] {
  const one = table.fields.length === 1 ? table.fields[0] : undefined;
  return table.rows.map((row, i) => ({ kind: 'value', label: i, value: one === undefined ? row : row[one] }));
}

/** A shell glob as a regular expression over `/`-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches any number of directories, including none.
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  if (braces !== 0) throw new OptionError(`Expected a glob with balanced braces, got "${glob}"`, { option: 'glob' });
  return new RegExp(`^${re}$`);
}

namespace Private {
  export function stat(path: string): Stats {
    try {
      return statSync(path);
    } catch (err) {
      throw new OptionError(`Expected a dataset folder or table file at ${path}, but it cannot be read: ${(err as Error).message}`, {
        path,
      });
    }
  }

  export function isRows(v: unknown): v is IRows {
    return v !== null && typeof v === 'object' && Array.isArray((v as IRows).fields) && Array.isArray((v as IRows).rows);
  }

  /** `.csv`/`.tsv` as Girder Worker reads them, `.jsonl` one JSON value a line, `.json` an array. */
  export function readTableFile(path: string): IRows {
    const text = readFileSync(path, 'utf8');
    const ext = extname(path).toLowerCase();
    if (ext === '.csv' || ext === '.tsv') return csvToRows(text, ext.slice(1));
    let values: unknown[];
    if (ext === '.jsonl' || ext === '.ndjson') {
      values = text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l, i) => parseJson(l, `${path} line ${i + 1}`));
    } else if (ext === '.json') {
      const v = parseJson(text, path);
      if (!Array.isArray(v)) throw new OptionError(`Expected ${path} to hold a JSON array of items, got ${describe(v)}`, { path });
      values = v;
    } else {
      throw new OptionError(`Expected a dataset folder or a .csv, .tsv, .jsonl or .json file, got ${path}`, { path });
    }
    return { fields: ['value'], rows: values.map((value) => ({ value })) };
  }

  function parseJson(text: string, where: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new OptionError(`Expected JSON in ${where}: ${(err as Error).message}`, { path: where });
    }
  }

  export function describe(v: unknown): string {
    if (v === null) return 'null';
    if (Array.isArray(v)) return 'an array';
    return typeof v === 'object' ? `an object with keys ${Object.keys(v).join(', ') || '(none)'}` : `${typeof v} ${String(v)}`;
  }
}
