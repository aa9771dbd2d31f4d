/**
 * Errors for malformed text formats: a ValidationError that names the type and format, says what
 * was expected and what came, and where (1-based line and column). Shared by the tree and graph
 * families; JSON text is parsed with `JSON.parse` and, only when that fails, scanned once more to
 * find where it broke, since V8's messages give a position for some mistakes and not for others.
 */
import { ValidationError } from '../../errors';

/** A 1-based line and column. */
export interface ITextPosition {
  line: number;
  column: number;
}

/** The line and column of a character offset (`\r\n`, `\r` and `\n` each end a line). */
export function lineColumn(text: string, offset: number): ITextPosition {
  let line = 1;
  let start = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: end - start + 1 };
}

/** How the text at an offset reads in a message: `';'`, `'\n'` or `end of input`. */
export function describeAt(text: string, offset: number): string {
  if (offset >= text.length) return 'end of input';
  return `'${JSON.stringify(text[offset]).slice(1, -1)}'`;
}

/**
 * A ValidationError for text of `type`/`format` that broke at `offset`:
 * `Invalid newick text (type "tree"): expected ',' or ')' at line 1, column 17, got ';'`.
 */
export function syntaxError(type: string, format: string, text: string, offset: number, expected: string, got?: string): ValidationError {
  const { line, column } = lineColumn(text, offset);
  return new ValidationError(
    `Invalid ${format} text (type "${type}"): expected ${expected} at line ${line}, column ${column}, got ${got ?? describeAt(text, offset)}`,
    { type, format, line, column },
  );
}

/** A ValidationError for a value of `type`/`format` that is well-formed text but the wrong shape. */
export function shapeError(type: string, format: string, message: string, where?: ITextPosition): ValidationError {
  const at = where ? ` at line ${where.line}, column ${where.column}` : '';
  return new ValidationError(`Invalid ${format} data (type "${type}")${at}: ${message}`, {
    type,
    format,
    line: where?.line,
    column: where?.column,
  });
}

/** `JSON.parse`, with a syntax error turned into a ValidationError that says where the text broke. */
export function parseJsonText(text: string, type: string, format: string): unknown {
  if (typeof text !== 'string') throw shapeError(type, format, `expected JSON text (a string), got ${Private.kind(text)}`);
  try {
    return JSON.parse(text);
  } catch (err) {
    const at = Private.locateJsonError(text);
    if (at) throw syntaxError(type, format, text, at.offset, at.expected);
    throw shapeError(type, format, err instanceof Error ? err.message : String(err));
  }
}

namespace Private {
  export function kind(v: unknown): string {
    if (v === null) return 'null';
    if (Array.isArray(v)) return 'a list';
    return typeof v === 'object' ? 'an object' : typeof v;
  }

  function isSpace(c: number): boolean {
    return c === 32 || c === 9 || c === 10 || c === 13;
  }

  function isDigit(c: number): boolean {
    return c >= 48 && c <= 57;
  }

  /**
   * Walk JSON text by the grammar of RFC 8259 and return the first offset where it breaks, with
   * what was expected there; null when the text is valid. Iterative, so nesting depth is unbounded.
   */
  export function locateJsonError(text: string): { offset: number; expected: string } | null {
    const n = text.length;
    const stack: number[] = [];
    let i = 0;
    let state: 'value' | 'key' | 'after' = 'value';
    const skip = () => {
      while (i < n && isSpace(text.charCodeAt(i))) i++;
    };
    const string = (): { offset: number; expected: string } | null => {
      i++;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === 34) {
          i++;
          return null;
        }
        if (c < 32) return { offset: i, expected: "a string character or '\"'" };
        if (c === 92) {
          const e = text[i + 1];
          if (e === 'u') {
            for (let k = 2; k < 6; k++) {
              if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) return { offset: i + k, expected: 'a hex digit' };
            }
            i += 6;
          } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
          else return { offset: i + 1, expected: 'an escape character' };
        } else i++;
      }
      return { offset: n, expected: "the closing '\"'" };
    };
    const digits = (): boolean => {
      const s = i;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      return i > s;
    };
    for (;;) {
      skip();
      if (state === 'value') {
        const c = text[i];
        if (c === '{' || c === '[') {
          stack.push(text.charCodeAt(i));
          i++;
          skip();
          if (text[i] === (c === '{' ? '}' : ']')) {
            stack.pop();
            i++;
            state = 'after';
          } else state = c === '{' ? 'key' : 'value';
        } else if (c === '"') {
          const e = string();
          if (e) return e;
          state = 'after';
        } else if (c === '-' || (c !== undefined && isDigit(c.charCodeAt(0)))) {
          if (c === '-') i++;
          if (text[i] === '0') i++;
          else if (!digits()) return { offset: i, expected: 'a digit' };
          if (text[i] === '.') {
            i++;
            if (!digits()) return { offset: i, expected: 'a digit' };
          }
          if (text[i] === 'e' || text[i] === 'E') {
            i++;
            if (text[i] === '+' || text[i] === '-') i++;
            if (!digits()) return { offset: i, expected: 'a digit' };
          }
          state = 'after';
        } else {
          const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
          if (!word) return { offset: i, expected: 'a JSON value' };
          i += word.length;
          state = 'after';
        }
      } else if (state === 'key') {
        if (text[i] !== '"') return { offset: i, expected: 'a double-quoted property name' };
        const e = string();
        if (e) return e;
        skip();
        if (text[i] !== ':') return { offset: i, expected: "':'" };
        i++;
        state = 'value';
      } else {
        if (stack.length === 0) return i < n ? { offset: i, expected: 'end of input' } : null;
        const open = stack[stack.length - 1] === 123;
        if (text[i] === ',') {
          i++;
          state = open ? 'key' : 'value';
        } else if (text[i] === (open ? '}' : ']')) {
          stack.pop();
          i++;
        } else return { offset: i, expected: open ? "',' or '}'" : "',' or ']'" };
      }
    }
  }
}
