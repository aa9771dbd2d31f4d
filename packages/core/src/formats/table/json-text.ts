import { Binary, EJSON } from 'bson';
import { ValidationError } from '../../errors';
import { pythonJson } from '../python-json';

/**
 * JSON text the way Girder Worker's `bson.json_util.dumps` writes it: Python `json.dumps`
 * separators and escapes (see `pythonJson`), with BSON values (ObjectId, Date, Binary, Long,
 * Decimal128, regular expressions...) in MongoDB extended JSON (`{"$oid": ...}`).
 */
export function ejsonDumps(value: unknown): string {
  return Private.write(value, false);
}

/**
 * Compact JSON text (no spaces, characters as they are), with BSON values in relaxed extended JSON
 * and NaN and the infinities as `{"$numberDouble": ...}` so they read back: one line of jsonlines.
 */
export function ejsonCompact(value: unknown): string {
  return Private.write(value, true);
}

/** Where JSON text came from, for errors. */
export interface IJsonSource {
  /** The format named in errors (`rows.json`, `jsonlines`). */
  format: string;
  /** The line of the text's first character in a larger text (jsonlines), 1 by default. */
  line?: number;
}

/**
 * Parse JSON text the way Girder Worker's `bson.json_util.loads` does: Python's `json.loads`
 * (which also reads `NaN`, `Infinity` and `-Infinity`), with extended JSON objects turned back
 * into BSON values (`{"$oid": ...}` into an ObjectId). Bad text is a ValidationError naming the
 * line and column where it broke.
 */
export function ejsonLoads(text: string, source: IJsonSource): unknown {
  const extended = text.includes('"$');
  try {
    return extended ? EJSON.parse(text, { relaxed: true }) : JSON.parse(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  // Not standard JSON: Python's dialect, or an error to locate.
  const value = new Private.Parser(text, source).document();
  return extended ? Private.revive(value) : value;
}

namespace Private {
  const NON_ASCII = /[\u007f-\uffff]/;

  function str(s: string): string {
    const j = JSON.stringify(s);
    return NON_ASCII.test(j) ? pythonJson(s) : j;
  }

  function isPlain(v: object): boolean {
    const proto = Object.getPrototypeOf(v);
    return proto === Object.prototype || proto === null;
  }

  /** The extended-JSON form of a non-plain object, or undefined when it has none. */
  function extended(v: object): unknown {
    if (v instanceof Date || typeof (v as { _bsontype?: unknown })._bsontype === 'string' || v instanceof RegExp) {
      return EJSON.serialize(v, { relaxed: true });
    }
    if (v instanceof Uint8Array) return EJSON.serialize(new Binary(v), { relaxed: true });
    return undefined;
  }

  export function write(v: unknown, compact: boolean): string {
    switch (typeof v) {
      case 'string':
        return compact ? JSON.stringify(v) : str(v);
      case 'number':
        if (Number.isInteger(v) && Math.abs(v) < 1e16) return String(v);
        if (!compact) return pythonJson(v);
        return Number.isFinite(v) ? String(v) : `{"$numberDouble":"${v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN'}"}`;
      case 'boolean':
        return v ? 'true' : 'false';
      case 'bigint':
        return v.toString();
      case 'undefined':
        return 'null';
      case 'object': {
        if (v === null) return 'null';
        const comma = compact ? ',' : ', ';
        if (Array.isArray(v)) {
          let out = '[';
          for (let i = 0; i < v.length; i++) out += (i ? comma : '') + write(v[i], compact);
          return `${out}]`;
        }
        if (!isPlain(v)) {
          const x = extended(v);
          if (x !== undefined) return write(x, compact);
          if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return write((v as { toJSON(): unknown }).toJSON(), compact);
        }
        const colon = compact ? ':' : ': ';
        let out = '{';
        let first = true;
        for (const k in v) {
          if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
          const val = (v as Record<string, unknown>)[k];
          if (val === undefined) continue;
          out += `${first ? '' : comma}${compact ? JSON.stringify(k) : str(k)}${colon}${write(val, compact)}`;
          first = false;
        }
        return `${out}}`;
      }
      default:
        // Functions and symbols have no JSON form; json.dumps would refuse them too.
        throw new TypeError(`Object of type ${typeof v} is not JSON serializable`);
    }
  }

  /** Turn extended JSON objects (any key starting with `$`) inside a parsed value into BSON values. */
  export function revive(v: unknown): unknown {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = revive(v[i]);
      return v;
    }
    const o = v as Record<string, unknown>;
    if (Object.keys(o).some((k) => k.startsWith('$'))) return EJSON.deserialize(o, { relaxed: true });
    for (const k of Object.keys(o)) o[k] = revive(o[k]);
    return o;
  }

  /**
   * A JSON parser for Python's dialect (standard JSON plus `NaN`, `Infinity`, `-Infinity`). It
   * runs only when `JSON.parse` refused the text, to read Python's extras or say where the text
   * broke.
   */
  export class Parser {
    private i = 0;

    constructor(
      private readonly s: string,
      private readonly source: IJsonSource,
    ) {}

    document(): unknown {
      this.ws();
      const v = this.value();
      this.ws();
      if (this.i < this.s.length) this.fail('the end of the JSON text');
      return v;
    }

    private value(): unknown {
      const c = this.s[this.i];
      switch (c) {
        case '{':
          return this.object();
        case '[':
          return this.array();
        case '"':
          return this.string();
        case 't':
          return this.word('true', true);
        case 'f':
          return this.word('false', false);
        case 'n':
          return this.word('null', null);
        case 'N':
          return this.word('NaN', NaN);
        case 'I':
          return this.word('Infinity', Infinity);
        default:
          if (this.s.startsWith('-Infinity', this.i)) return this.word('-Infinity', -Infinity);
          return this.number();
      }
    }

    private object(): Record<string, unknown> {
      const out: Record<string, unknown> = {};
      this.i++;
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      for (;;) {
        if (this.s[this.i] !== '"') this.fail('a double-quoted property name');
        const key = this.string();
        this.ws();
        if (this.s[this.i] !== ':') this.fail("':' after a property name");
        this.i++;
        this.ws();
        Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
        this.ws();
        const c = this.s[this.i];
        this.i++;
        if (c === '}') return out;
        if (c !== ',') {
          this.i--;
          this.fail("',' or '}' after a property value");
        }
        this.ws();
      }
    }

    private array(): unknown[] {
      const out: unknown[] = [];
      this.i++;
      this.ws();
      if (this.s[this.i] === ']') {
        this.i++;
        return out;
      }
      for (;;) {
        out.push(this.value());
        this.ws();
        const c = this.s[this.i];
        this.i++;
        if (c === ']') return out;
        if (c !== ',') {
          this.i--;
          this.fail("',' or ']' after an array element");
        }
        this.ws();
      }
    }

    private string(): string {
      const start = this.i;
      this.i++;
      for (;;) {
        const c = this.s.charCodeAt(this.i);
        if (Number.isNaN(c)) this.fail("a closing '\"'");
        if (c === 34) break;
        if (c < 32) this.fail('no control character inside a string');
        if (c === 92) {
          const e = this.s[this.i + 1];
          if (e === 'u') {
            if (!/^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) {
              this.i += 2;
              this.fail('four hex digits after \\u');
            }
            this.i += 6;
            continue;
          }
          if (e === undefined || !'"\\/bfnrt'.includes(e)) {
            this.i++;
            this.fail('a valid escape after \\');
          }
          this.i += 2;
          continue;
        }
        this.i++;
      }
      this.i++;
      return JSON.parse(this.s.slice(start, this.i)) as string;
    }

    private word<T>(w: string, v: T): T {
      if (!this.s.startsWith(w, this.i)) this.fail('a JSON value');
      this.i += w.length;
      return v;
    }

    private number(): number {
      const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
      m.lastIndex = this.i;
      const r = m.exec(this.s);
      if (!r) this.fail('a JSON value');
      this.i += r![0].length;
      return Number(r![0]);
    }

    private ws(): void {
      while (this.i < this.s.length) {
        const c = this.s.charCodeAt(this.i);
        if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
        this.i++;
      }
    }

    private fail(expected: string): never {
      const before = this.s.slice(0, this.i);
      const lines = before.split(/\r\n|\r|\n/);
      const line = lines.length - 1 + (this.source.line ?? 1);
      const column = lines[lines.length - 1].length + 1;
      const got = this.i < this.s.length ? JSON.stringify(this.s.slice(this.i, this.i + 12)) : 'the end of the text';
      throw new ValidationError(
        `Text of type "table" and format "${this.source.format}" is not valid JSON at line ${line}, column ${column}: expected ${expected}, got ${got}`,
        { type: 'table', format: this.source.format, line, column },
      );
    }
  }
}
