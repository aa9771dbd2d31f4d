import Papa from 'papaparse';
import { ValidationError } from '../../errors';
import type { IRows } from '../../types';

/**
 * CSV and TSV as Girder Worker's `csv_to_rows` read them, with papaparse doing the parsing: the
 * first line is always the header; a single line, or a first line with neither `,` nor a tab, is
 * read with the plain excel dialect (comma); otherwise the delimiter is sniffed from the first
 * 5000 characters (grown to hold at least one whole line), and spaces after a delimiter are
 * skipped. Cells that read as numbers become numbers (`NaN` and `inf` stay strings, so the result
 * is valid JSON); empty cells stay `""`; a row with fewer cells than the header leaves the rest
 * `null` (Python's DictReader); a row with more is an error naming its line.
 */
export function csvToRows(text: string, what = 'csv'): IRows {
  const delimiter = sniffDelimiter(text);
  const parsed = Papa.parse<string[]>(text, { delimiter, skipEmptyLines: true, header: false });
  checkErrors(parsed.errors, text, what);
  const data = parsed.data;
  if (data.length === 0) return { fields: [], rows: [] };
  const fields = data[0].map(skipInitialSpace);
  const n = fields.length;
  const rows: Array<Record<string, unknown>> = new Array(data.length - 1);
  for (let i = 1; i < data.length; i++) {
    const cells = data[i];
    if (cells.length > n) throw tooMany(text, i, cells.length, n, what);
    const row: Record<string, unknown> = {};
    for (let j = 0; j < n; j++) row[fields[j]] = j < cells.length ? coerce(cells[j]) : null;
    rows[i - 1] = row;
  }
  return { fields, rows };
}

/** The header of a CSV text (Girder Worker's csv -> column.names reads only the first line). */
export function csvHeader(text: string): string[] {
  const end = text.search(/\r?\n/);
  return csvToRows(end < 0 ? text : text.slice(0, end)).fields;
}

/**
 * Write rows as Python's `csv.DictWriter` does: a header, `\r\n` line endings, fields quoted only
 * when they hold the delimiter, a quote or a line break (quotes doubled), `None` as an empty cell.
 */
export function rowsToCsv(rows: IRows, delimiter = ','): string {
  const out: string[] = [line(rows.fields, delimiter)];
  const values = new Array<unknown>(rows.fields.length);
  for (const row of rows.rows) {
    for (let j = 0; j < rows.fields.length; j++) values[j] = row[rows.fields[j]];
    out.push(line(values, delimiter));
  }
  return out.join('');
}

/** One written line, `\r\n` included. */
export function line(values: readonly unknown[], delimiter: string): string {
  // Python writes a row of one empty field as "" so it does not read back as a blank line.
  if (values.length === 1 && cell(values[0]) === '') return '""\r\n';
  let s = '';
  for (let j = 0; j < values.length; j++) {
    if (j) s += delimiter;
    const v = cell(values[j]);
    s += needsQuotes(v, delimiter) ? `"${v.replace(/"/g, '""')}"` : v;
  }
  return `${s}\r\n`;
}

/** The delimiter Girder Worker would use for this text. */
export function sniffDelimiter(text: string): string {
  const firstEnd = text.search(/\r?\n/);
  const first = firstEnd < 0 ? text : text.slice(0, firstEnd);
  if (firstEnd < 0 || (!first.includes(',') && !first.includes('\t'))) return ',';
  // The sample: up to 5000 characters, minus the last partial line, grown until it holds a whole line.
  let size = 5000;
  let sample = text.slice(0, size);
  while (sample.lastIndexOf('\n') < 0 && size < text.length) sample = text.slice(0, (size *= 2));
  const cut = sample.lastIndexOf('\n');
  if (cut > 0 && sample.length < text.length) sample = sample.slice(0, cut);
  const guess = Papa.parse(sample, { delimitersToGuess: [',', '\t', ';', '|'], preview: 20 }).meta.delimiter;
  return guess || ',';
}

const QUOTE = /["\r\n]/;
const NUMBER = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** A cell as Girder Worker reads it: a number when it reads as one (not NaN or inf), else the text. */
export function coerce(cell: string): unknown {
  const v = skipInitialSpace(cell);
  if (v === '') return '';
  const c = v.charCodeAt(0);
  // Most text cells are not numbers: check the first character before the regex.
  if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46 || c === 32)) return v;
  return NUMBER.test(v) ? Number(v) : v;
}

function skipInitialSpace(s: string): string {
  return s.charCodeAt(0) === 32 ? s.replace(/^ +/, '') : s;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

function needsQuotes(v: string, delimiter: string): boolean {
  return v.includes(delimiter) || QUOTE.test(v);
}

/** Line and column (1-based) of a character offset. */
export function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: offset - last };
}

/** The line on which record `index` (0 = the header) ends. */
function recordLine(text: string, index: number, delimiter: string): number {
  const cursor = Papa.parse<string[]>(text, { delimiter, skipEmptyLines: true, preview: index + 1, header: false }).meta.cursor;
  return position(text, Math.max(0, cursor - 1)).line;
}

function checkErrors(errors: Papa.ParseError[], text: string, what: string): void {
  const bad = errors.find((e) => e.type === 'Quotes' || e.code === 'InvalidQuotes' || e.code === 'MissingQuotes');
  if (!bad) return;
  // For an unterminated quote papaparse points one past the opening quote; point at the quote.
  const index = bad.index !== undefined && bad.code === 'MissingQuotes' ? bad.index - 1 : bad.index;
  const at = index !== undefined ? position(text, index) : { line: recordLine(text, bad.row ?? 0, ','), column: undefined };
  throw new ValidationError(
    `Invalid ${what} text (type "table") at line ${at.line}${at.column !== undefined ? `, column ${at.column}` : ''}: ${bad.message.replace(/\.$/, '')}`,
    { type: 'table', format: what, line: at.line, column: at.column },
  );
}

function tooMany(text: string, record: number, got: number, want: number, what: string): ValidationError {
  const line = recordLine(text, record, sniffDelimiter(text));
  return new ValidationError(`Invalid ${what} text (type "table") at line ${line}: expected ${want} cells as in the header, got ${got}`, {
    type: 'table',
    format: what,
    line,
    column: 1,
  });
}
