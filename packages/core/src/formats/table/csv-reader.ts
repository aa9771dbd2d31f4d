import { ValidationError } from '../../errors';
import type { ICsvDialect } from './csv-dialect';

/** Receives each record (its cells) and the line it starts on (1-based). */
export type CsvRecordHandler = (cells: string[], line: number) => void;

/**
 * A CSV tokenizer that follows CPython's `_csv` reader (non-strict, as Girder Worker used it):
 * records end at `\r\n`, `\n` or `\r`; a quote opens a quoted cell only at the start of a cell
 * (after skipped spaces when `skipinitialspace`); text after a closing quote is kept
 * (`"ab"cd` reads `abcd`); without `doublequote`, a quote inside a quoted cell closes it; an empty
 * line is a record with no cells. Line breaks inside quoted cells are kept as written.
 *
 * It is fed text in pieces of any size (`write`, then `end`), so a record or a quoted cell may span
 * pieces, and it keeps only the record being read. Two things are errors (ValidationError with
 * line and column) where Python is lenient: a quoted cell still open at the end of the text, and a
 * record with more cells than `maxCells`.
 */
export class CsvReader {
  /** Records may have at most this many cells (a table's header length); more is a ValidationError. */
  maxCells = Infinity;

  private state = State.StartRecord;
  private cells: string[] = [];
  private field = '';
  private line = 1;
  /** Absolute offset where the current line starts, for columns. */
  private lineStart = 0;
  /** Absolute offset of the next piece's first character. */
  private base = 0;
  private recordLine = 1;
  private fieldLine = 1;
  private fieldColumn = 1;
  /** The last piece ended with a `\r` that ended a line; a `\n` opening the next one belongs to it. */
  private skipLF = false;
  /** Inside a quoted cell, the last piece ended with `\r` (for line counting only). */
  private quotedCR = false;
  private readonly delimiter: number;
  private readonly quote: number;
  private readonly quoteChar: string;
  private readonly doublequote: boolean;
  private readonly skipSpace: boolean;

  /**
   * @param dialect - how the text is written
   * @param onRecord - called with each record as soon as it is complete
   * @param format - the format named in errors (`csv`, `tsv`)
   */
  constructor(
    dialect: ICsvDialect,
    private readonly onRecord: CsvRecordHandler,
    private readonly format = 'csv',
  ) {
    this.delimiter = dialect.delimiter.charCodeAt(0);
    this.quote = dialect.quotechar.charCodeAt(0);
    this.quoteChar = dialect.quotechar;
    this.doublequote = dialect.doublequote;
    this.skipSpace = dialect.skipinitialspace;
  }

  /** Read the next piece of text. */
  write(s: string): void {
    const n = s.length;
    const D = this.delimiter;
    const Q = this.quote;
    if (n === 0) return;
    let i = 0;
    if (this.skipLF) {
      this.skipLF = false;
      if (s.charCodeAt(0) === 10) {
        i = 1;
        this.lineStart = this.base + 1;
      }
    }
    // A `\n` that completes a `\r\n` inside a quoted cell is content, but not another line.
    let countFrom = 0;
    if (this.quotedCR) {
      this.quotedCR = false;
      if (s.charCodeAt(0) === 10) {
        countFrom = 1;
        this.lineStart = this.base + 1;
      }
    }
    let state = this.state;
    while (i < n) {
      switch (state) {
        case State.StartRecord: {
          const c = s.charCodeAt(i);
          this.recordLine = this.line;
          if (c === 10 || c === 13) {
            this.emit();
            i = this.newline(s, i, c);
            continue;
          }
          state = State.StartField;
          continue;
        }
        case State.StartField: {
          const c = s.charCodeAt(i);
          if (c === 32 && this.skipSpace) {
            i++;
            continue;
          }
          this.fieldLine = this.line;
          this.fieldColumn = this.base + i - this.lineStart + 1;
          if (c === 10 || c === 13) {
            this.save('');
            this.emit();
            state = State.StartRecord;
            i = this.newline(s, i, c);
          } else if (c === Q) {
            state = State.InQuotedField;
            i++;
          } else if (c === D) {
            this.save('');
            i++;
          } else {
            state = State.InField;
          }
          continue;
        }
        case State.InField: {
          let j = i;
          let c = 0;
          for (; j < n; j++) {
            c = s.charCodeAt(j);
            if (c === D || c === 10 || c === 13) break;
          }
          if (j === n) {
            this.field += s.slice(i, n);
            i = n;
            continue;
          }
          if (this.field === '') this.save(s.slice(i, j));
          else {
            this.save(this.field + s.slice(i, j));
            this.field = '';
          }
          if (c === D) {
            state = State.StartField;
            i = j + 1;
          } else {
            this.emit();
            state = State.StartRecord;
            i = this.newline(s, j, c);
          }
          continue;
        }
        case State.InQuotedField: {
          const j = s.indexOf(this.quoteChar, i);
          const end = j < 0 ? n : j;
          if (end > i) {
            this.countBreaks(s, Math.max(i, countFrom), end);
            this.field += s.slice(i, end);
          }
          if (j < 0) {
            i = n;
            continue;
          }
          i = j + 1;
          state = this.doublequote ? State.QuoteInQuotedField : State.InField;
          continue;
        }
        case State.QuoteInQuotedField: {
          const c = s.charCodeAt(i);
          if (c === Q) {
            this.field += this.quoteChar;
            state = State.InQuotedField;
            i++;
          } else if (c === D) {
            this.save(this.field);
            this.field = '';
            state = State.StartField;
            i++;
          } else if (c === 10 || c === 13) {
            this.save(this.field);
            this.field = '';
            this.emit();
            state = State.StartRecord;
            i = this.newline(s, i, c);
          } else {
            // Python keeps text after a closing quote as part of the cell.
            state = State.InField;
          }
          continue;
        }
      }
    }
    this.state = state;
    this.base += n;
  }

  /** The text has ended: finish the last record. */
  end(): void {
    switch (this.state) {
      case State.StartRecord:
        break;
      case State.StartField:
        this.fieldLine = this.line;
        this.fieldColumn = this.base - this.lineStart + 1;
        this.save('');
        this.emit();
        break;
      case State.InQuotedField:
        throw this.error(
          this.fieldLine,
          this.fieldColumn,
          `expected a closing ${this.quoteChar} for the quoted cell that opens here, got the end of the text`,
        );
      default:
        this.save(this.field);
        this.field = '';
        this.emit();
    }
    this.state = State.StartRecord;
  }

  private save(value: string): void {
    if (this.cells.length >= this.maxCells) {
      throw this.error(
        this.fieldLine,
        this.fieldColumn,
        `expected at most ${this.maxCells} cell${this.maxCells === 1 ? '' : 's'} per row (the header's), got cell ${this.cells.length + 1} here`,
      );
    }
    this.cells.push(value);
  }

  private emit(): void {
    const cells = this.cells;
    this.cells = [];
    this.onRecord(cells, this.recordLine);
  }

  /** Step over the line break at `i` (character `c`), count the line, and return where the next line starts. */
  private newline(s: string, i: number, c: number): number {
    this.line++;
    let next = i + 1;
    if (c === 13) {
      if (next < s.length) {
        if (s.charCodeAt(next) === 10) next++;
      } else {
        this.skipLF = true;
      }
    }
    this.lineStart = this.base + next;
    return next;
  }

  /** Count the line breaks kept inside a quoted cell, for the line numbers of later errors. */
  private countBreaks(s: string, from: number, to: number): void {
    for (let k = from; k < to; k++) {
      const c = s.charCodeAt(k);
      if (c <= 13 && (c === 10 || c === 13)) {
        this.line++;
        if (c === 13 && k + 1 < to && s.charCodeAt(k + 1) === 10) k++;
        else if (c === 13 && k + 1 === s.length) this.quotedCR = true;
        this.lineStart = this.base + k + 1;
      }
    }
  }

  private error(line: number, column: number, what: string): ValidationError {
    return new ValidationError(`Text of type "table" and format "${this.format}" is not valid at line ${line}, column ${column}: ${what}`, {
      type: 'table',
      format: this.format,
      line,
      column,
    });
  }
}

/** The states of CPython's `_csv` reader that a non-strict reader without an escape character uses. */
const enum State {
  StartRecord,
  StartField,
  InField,
  InQuotedField,
  QuoteInQuotedField,
}
