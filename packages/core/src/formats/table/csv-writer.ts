import { ConversionError } from '../../errors';
import type { IRows } from '../../types';
import { EXCEL, EXCEL_TAB } from './csv-dialect';
import type { ICsvDialect } from './csv-dialect';

/**
 * Writes a table the way Girder Worker's rows -> csv/tsv converters do with Python's
 * `csv.DictWriter`: the header, then one line per row, each ended by `\r\n`; a cell is quoted
 * (quotes doubled) when it holds the delimiter, a quote, `\r` or `\n`, and a row whose only cell is
 * empty is written `""`. Cells are Python's `str()` of the value: a missing cell or null is empty,
 * booleans are `True`/`False`, numbers are Python floats' repr (`1e-05`, `inf`, `nan`). A row with a
 * key that is not a field is refused, as DictWriter refuses it.
 */
export class DelimitedWriter {
  private readonly delimiter: string;
  private readonly special: RegExp;
  private fields: string[] = [];
  private fieldSet = new Set<string>();
  /** Fields that plain objects inherit a value for (`constructor`, `__proto__`): read them as own properties only. */
  private inherited: boolean[] = [];
  private index = 0;
  private readonly quote: string;
  private readonly doubled: string;

  /**
   * @param dialect - the delimiter and quote character to write with
   * @param format - the format named in errors (`csv`, `tsv`)
   */
  constructor(
    dialect: ICsvDialect,
    private readonly format = 'csv',
  ) {
    this.delimiter = dialect.delimiter;
    const esc = (c: string) => c.replace(/[\\\]^-]/g, '\\$&');
    this.special = new RegExp(`[${esc(dialect.delimiter)}${esc(dialect.quotechar)}\\r\\n]`);
    this.quote = dialect.quotechar;
    this.doubled = dialect.quotechar + dialect.quotechar;
  }

  /** The header line for these fields; rows written afterwards are checked against them. */
  header(fields: string[]): string {
    this.fields = fields;
    this.fieldSet = new Set(fields);
    this.inherited = fields.map((f) => f in Object.prototype);
    return this.line(fields);
  }

  /** One row's line. */
  row(row: Record<string, unknown>): string {
    const fields = this.fields;
    const n = fields.length;
    const index = this.index++;
    for (const k in row) {
      if (!this.fieldSet.has(k) && Object.prototype.hasOwnProperty.call(row, k)) {
        const extra = Object.keys(row).filter((key) => !this.fieldSet.has(key));
        throw new ConversionError(
          `Cannot write table/${this.format}: row ${index} has ${extra.length === 1 ? 'a key' : 'keys'} that ${extra.length === 1 ? 'is' : 'are'} not among the fields (${extra.map((e) => JSON.stringify(e)).join(', ')}); expected only the keys ${JSON.stringify(fields)}`,
          { type: 'table', format: this.format, row: index },
        );
      }
    }
    const cells: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const f = fields[i];
      const v = this.inherited[i] && !Object.prototype.hasOwnProperty.call(row, f) ? undefined : row[f];
      cells[i] = typeof v === 'string' ? v : pyStr(v);
    }
    return this.line(cells);
  }

  private line(cells: string[]): string {
    if (cells.length === 1 && cells[0] === '') return `${this.quote}${this.quote}\r\n`;
    let out = '';
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i];
      if (i) out += this.delimiter;
      out += this.special.test(c) ? this.quote + c.split(this.quote).join(this.doubled) + this.quote : c;
    }
    return `${out}\r\n`;
  }
}

/** Write a whole table as CSV, or as TSV with delimiter `\t` (the rows -> csv and rows -> tsv converters). */
export function rowsToCsv(table: IRows, delimiter: ',' | '\t' = ','): string {
  const w = new DelimitedWriter(delimiter === ',' ? EXCEL : EXCEL_TAB, delimiter === ',' ? 'csv' : 'tsv');
  let out = w.header(table.fields);
  for (const row of table.rows) out += w.row(row);
  return out;
}

/** Python's `str()` of a value, as the csv module writes it into a cell. */
export function pyStr(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'undefined':
      return '';
    case 'number':
      return Private.float(v);
    case 'boolean':
      return v ? 'True' : 'False';
    case 'bigint':
      return v.toString();
    case 'object':
      if (v === null) return '';
      if (v instanceof Date) return Private.datetime(v);
      if ((v as { _bsontype?: unknown })._bsontype === 'ObjectId') return (v as { toHexString(): string }).toHexString();
      return Private.repr(v);
    default:
      return String(v);
  }
}

namespace Private {
  /** Python's repr of a float (an integral value prints without `.0`: JavaScript cannot tell 2 from 2.0). */
  export function float(n: number): string {
    if (Number.isNaN(n)) return 'nan';
    if (n === Infinity) return 'inf';
    if (n === -Infinity) return '-inf';
    const abs = Math.abs(n);
    if (Number.isInteger(n) && abs < 1e16) return String(n);
    if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
      const [mant, exp] = n.toExponential().split('e');
      const e = Number(exp);
      return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
    }
    return String(n);
  }

  /** Python's `str(datetime)` of a naive UTC datetime, as pymongo decodes BSON dates. */
  export function datetime(d: Date): string {
    const iso = d.toISOString();
    const ms = d.getUTCMilliseconds();
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms ? `.${String(ms * 1000).padStart(6, '0')}` : ''}`;
  }

  /** Python's repr of a string: single quotes unless it holds `'` and no `"`. */
  function reprStr(s: string): string {
    const q = s.includes("'") && !s.includes('"') ? '"' : "'";
    let out = q;
    for (const ch of s) {
      const c = ch.codePointAt(0)!;
      if (ch === '\\' || ch === q) out += `\\${ch}`;
      else if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\t') out += '\\t';
      else if (c < 0x20 || (c >= 0x7f && c <= 0xa0) || c === 0xad) out += `\\x${c.toString(16).padStart(2, '0')}`;
      else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16)}`;
      else out += ch;
    }
    return out + q;
  }

  /** Python's repr of a value inside a list or dict. */
  export function repr(v: unknown): string {
    switch (typeof v) {
      case 'string':
        return reprStr(v);
      case 'number':
        return float(v);
      case 'boolean':
        return v ? 'True' : 'False';
      case 'bigint':
        return v.toString();
      case 'undefined':
        return 'None';
      case 'object': {
        if (v === null) return 'None';
        if (Array.isArray(v)) return `[${v.map(repr).join(', ')}]`;
        if (v instanceof Date) return `datetime.datetime(${Private.datetimeArgs(v)})`;
        if ((v as { _bsontype?: unknown })._bsontype === 'ObjectId') return `ObjectId('${(v as { toHexString(): string }).toHexString()}')`;
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) return String(v);
        return `{${Object.entries(v)
          .map(([k, x]) => `${reprStr(k)}: ${repr(x)}`)
          .join(', ')}}`;
      }
      default:
        return String(v);
    }
  }

  export function datetimeArgs(d: Date): string {
    const parts = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
    const us = d.getUTCMilliseconds() * 1000;
    if (us) parts.push(us);
    else if (parts[5] === 0) parts.pop();
    return parts.join(', ');
  }
}
