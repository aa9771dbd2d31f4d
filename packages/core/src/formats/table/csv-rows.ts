import type { IRows } from '../../types';
import { chooseDialect } from './csv-dialect';
import type { ICsvDialect } from './csv-dialect';
import { CsvReader } from './csv-reader';

/**
 * Reads CSV or TSV text into a table with Girder Worker's `csv_to_rows` semantics, in pieces of
 * any size: the dialect is chosen from the beginning of the text (see `chooseDialect`; at most the
 * first line plus 5000 characters are held back for it), the first record is always the header,
 * empty lines are skipped, a short row gets null for its missing cells, and every cell goes through
 * `coerceCell`. Rows are handed over one at a time, so a stream never holds more than one.
 */
export class TableReader {
  /** The header, once read. */
  fields: string[] | undefined;
  private reader: CsvReader | undefined;
  private pending = '';
  private safeKeys = true;

  /**
   * @param format - the format named in errors (`csv`, `tsv`)
   * @param onRow - receives each row
   * @param onHeader - receives the header before any row
   */
  constructor(
    private readonly format: string,
    private readonly onRow: (row: Record<string, unknown>) => void,
    private readonly onHeader?: (fields: string[]) => void,
  ) {}

  /** Read the next piece of text. */
  write(text: string): void {
    if (this.reader) {
      this.reader.write(text);
      return;
    }
    this.pending += text;
    const dialect = chooseDialect(this.pending, false);
    if (dialect) this.start(dialect);
  }

  /** The text has ended: read the last record. An empty text is a table with no fields and no rows. */
  end(): void {
    if (!this.reader) this.start(chooseDialect(this.pending, true)!);
    this.reader!.end();
    if (!this.fields) this.header([]);
  }

  private start(dialect: ICsvDialect): void {
    this.reader = new CsvReader(dialect, (cells) => this.record(cells), this.format);
    const text = this.pending;
    this.pending = '';
    this.reader.write(text);
  }

  private header(fields: string[]): void {
    this.fields = fields;
    this.safeKeys = !fields.includes('__proto__');
    if (this.reader) this.reader.maxCells = fields.length;
    this.onHeader?.(fields);
  }

  private record(cells: string[]): void {
    const fields = this.fields;
    if (!fields) {
      this.header(cells);
      return;
    }
    const nc = cells.length;
    // Python's DictReader skips empty records.
    if (nc === 0) return;
    const n = fields.length;
    const row: Record<string, unknown> = {};
    if (this.safeKeys) {
      for (let k = 0; k < n; k++) row[fields[k]] = k < nc ? coerceCell(cells[k]) : null;
    } else {
      for (let k = 0; k < n; k++) {
        Object.defineProperty(row, fields[k], {
          value: k < nc ? coerceCell(cells[k]) : null,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    this.onRow(row);
  }
}

/** CSV or TSV text to a table (the csv -> rows and tsv -> rows converters). */
export function csvToRows(text: string, format = 'csv'): IRows {
  const rows: Array<Record<string, unknown>> = [];
  const reader = new TableReader(format, (row) => rows.push(row));
  reader.write(text);
  reader.end();
  return { fields: reader.fields!, rows };
}

/**
 * The csv -> column.names converter: Girder Worker reads only the first `\n`-ended line, as its own
 * CSV text, and returns its fields.
 */
export function csvToColumnNames(text: string): string[] {
  const nl = text.indexOf('\n');
  return csvToRows(nl < 0 ? text : text.slice(0, nl + 1)).fields;
}

/**
 * Girder Worker's numeric coercion of a CSV cell: Python `int(cell)`, else `float(cell)`, else the
 * cell unchanged. Both accept surrounding whitespace, a sign and `_` between digits; a float that is
 * NaN or infinite (`NaN`, `inf`, `1e999`) stays a string so the table stays valid JSON. Integers
 * beyond 2^53 lose precision as JavaScript numbers.
 */
export function coerceCell(s: string): string | number {
  const n = s.length;
  if (n === 0) return s;
  // The common cases, without regular expressions: [sign] digits, and [sign] digits . digits.
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 45 || c === 43) c = s.charCodeAt(++i);
  let digits = 0;
  while (c >= 48 && c <= 57) {
    digits++;
    c = s.charCodeAt(++i);
  }
  if (i === n) {
    if (digits) {
      const v = +s;
      // Past 1e308 Python still has an int; a JavaScript number would be Infinity, so keep the text.
      return v === 0 ? 0 : Number.isFinite(v) ? v : s;
    }
  } else if (c === 46) {
    c = s.charCodeAt(++i);
    while (c >= 48 && c <= 57) {
      digits++;
      c = s.charCodeAt(++i);
    }
    if (i === n && digits) {
      const v = +s;
      return Number.isFinite(v) ? v : s;
    }
  }
  const first = s.charCodeAt(0);
  if ((first >= 48 && first <= 57) || first === 45 || first === 43 || first === 46 || Private.isSpace(first)) return Private.coerceSlow(s);
  return s;
}

namespace Private {
  /** Python's whitespace (`str.isspace`), which `int()` and `float()` strip. */
  const SPACE =
    // eslint-disable-next-line no-control-regex -- Python counts these control characters as whitespace
    /^[\t-\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t-\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
  const INT = /^[+-]?\d(?:_?\d)*$/;
  const FLOAT = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;

  export function isSpace(c: number): boolean {
    return (
      (c >= 9 && c <= 13) ||
      c === 32 ||
      (c >= 0x1c && c <= 0x1f) ||
      c === 0x85 ||
      c === 0xa0 ||
      c === 0x1680 ||
      (c >= 0x2000 && c <= 0x200a) ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0x202f ||
      c === 0x205f ||
      c === 0x3000
    );
  }

  export function coerceSlow(s: string): string | number {
    const t = s.replace(SPACE, '');
    if (INT.test(t)) {
      const v = Number(t.replace(/_/g, ''));
      return v === 0 ? 0 : Number.isFinite(v) ? v : s;
    }
    if (FLOAT.test(t)) {
      const v = Number(t.replace(/_/g, ''));
      return Number.isFinite(v) ? v : s;
    }
    return s;
  }
}
