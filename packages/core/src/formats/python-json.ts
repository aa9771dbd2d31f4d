/**
 * JSON text written the way Python's `json.dumps` writes it with default settings: `", "` and
 * `": "` separators, non-ASCII escaped as `\uXXXX`, NaN and Infinity spelled out. Girder Worker's
 * converters produced such text and its tests compare it byte for byte.
 *
 * One difference cannot be helped: JavaScript has one number type, so `2.0` is written `2`.
 */
export function pythonJson(value: unknown): string {
  const out: string[] = [];
  Private.write(value, out);
  return out.join('');
}

namespace Private {
  const NON_ASCII = /[\u007f-\uffff]/g;

  export function str(s: string): string {
    const j = JSON.stringify(s);
    return NON_ASCII.test(j) ? j.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : j;
  }

  export function num(n: number): string {
    if (Number.isNaN(n)) return 'NaN';
    if (n === Infinity) return 'Infinity';
    if (n === -Infinity) return '-Infinity';
    if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
    // Python's float repr: exponent form outside 1e-4 <= |n| < 1e16, written e+XX / e-XX.
    const abs = Math.abs(n);
    if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
      const [mant, exp] = n.toExponential().split('e');
      const e = Number(exp);
      return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
    }
    return String(n);
  }

  export function write(v: unknown, out: string[]): void {
    if (v === null || v === undefined) {
      out.push('null');
    } else if (typeof v === 'string') {
      out.push(str(v));
    } else if (typeof v === 'number') {
      out.push(num(v));
    } else if (typeof v === 'boolean') {
      out.push(v ? 'true' : 'false');
    } else if (typeof v === 'bigint') {
      out.push(v.toString());
    } else if (Array.isArray(v)) {
      out.push('[');
      for (let i = 0; i < v.length; i++) {
        if (i) out.push(', ');
        write(v[i], out);
      }
      out.push(']');
    } else if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      write((v as { toJSON(): unknown }).toJSON(), out);
    } else {
      out.push('{');
      let first = true;
      for (const [k, val] of Object.entries(v as object)) {
        if (val === undefined) continue;
        if (!first) out.push(', ');
        first = false;
        out.push(str(k), ': ');
        write(val, out);
      }
      out.push('}');
    }
  }
}
