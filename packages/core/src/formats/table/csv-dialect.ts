import { ConversionError } from '../../errors';

/** How a CSV text is written: Python's `csv.Dialect`, reduced to what reading and writing use. */
export interface ICsvDialect {
  delimiter: string;
  quotechar: string;
  /** `""` inside a quoted cell stands for one `"`. */
  doublequote: boolean;
  /** Spaces after a delimiter are skipped (so `a, "b,c"` reads as two cells). */
  skipinitialspace: boolean;
}

/** Python's `excel` dialect: comma, double quote, doubled quotes, no space skipping. */
export const EXCEL: Readonly<ICsvDialect> = Object.freeze({ delimiter: ',', quotechar: '"', doublequote: true, skipinitialspace: false });

/** Python's `excel-tab` dialect, which Girder Worker's rows -> tsv writer uses. */
export const EXCEL_TAB: Readonly<ICsvDialect> = Object.freeze({ ...EXCEL, delimiter: '\t' });

/**
 * Girder Worker's choice of dialect in `csv_to_rows`, decided from the beginning of a text. The
 * plain excel dialect is used when the text has a single line (Python `splitlines`), or when its
 * first `\n`-terminated line holds neither `,` nor `\t`. Otherwise the dialect is sniffed by
 * Python's `csv.Sniffer` from the first 5000 characters (5000 more at a time until at least one
 * whole line is in), without the last, possibly partial, line, and `skipinitialspace` is set.
 *
 * `prefix` is the start of the text; `done` says it is the whole text. Returns `undefined` when
 * the prefix is too short to decide, so a stream can read more first.
 */
export function chooseDialect(prefix: string, done: boolean): ICsvDialect | undefined {
  const nl = prefix.indexOf('\n');
  if (!Private.hasDelimiter(prefix, nl < 0 ? prefix.length : nl)) {
    return nl < 0 && !done ? undefined : EXCEL;
  }
  const brk = Private.firstBreakEnd(prefix, done);
  if (brk === undefined) return undefined;
  // A single line (nothing follows the first line break) is read as excel.
  if (brk < 0 || brk >= prefix.length) return done ? EXCEL : undefined;
  for (let size = Math.ceil((brk + 1) / 5000) * 5000; ; size += 5000) {
    if (prefix.length < size && !done) return undefined;
    const sample = splitlines(prefix.slice(0, size)).slice(0, -1).join('\n');
    // Python would grow the sample forever here; no delimiter can be found in an empty one.
    if (sample === '' && size < prefix.length) continue;
    const sniffed = sample === '' ? undefined : sniff(sample);
    if (!sniffed || sniffed.delimiter.length !== 1) {
      throw new ConversionError(
        `Cannot read table/csv: expected its first lines to show a one-character delimiter that Python's csv.Sniffer can find, got ${sniffed ? JSON.stringify(sniffed.delimiter) : 'none'} in ${JSON.stringify(sample.slice(0, 60))}`,
        { type: 'table', format: 'csv', line: 1, column: 1 },
      );
    }
    return { ...sniffed, skipinitialspace: true };
  }
}

/**
 * Python's `csv.Sniffer().sniff(sample)` (CPython 3.11): a dialect guessed from quoted cells, or
 * else from how consistently each character occurs per line. `undefined` where Python raises
 * "Could not determine delimiter". `skipinitialspace` is the sniffer's own guess.
 */
export function sniff(sample: string): ICsvDialect | undefined {
  const guess = Private.guessQuoteAndDelimiter(sample);
  let { delimiter, skipinitialspace } = guess;
  if (!delimiter) ({ delimiter, skipinitialspace } = Private.guessDelimiter(sample));
  if (!delimiter) return undefined;
  return { delimiter, quotechar: guess.quotechar || '"', doublequote: guess.doublequote, skipinitialspace };
}

/** Python's `str.splitlines()`: the lines of a text without their line breaks. */
export function splitlines(text: string): string[] {
  const out: string[] = [];
  const re = Private.BREAK;
  re.lastIndex = 0;
  let start = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    out.push(text.slice(start, m.index));
    start = m.index + m[0].length;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

namespace Private {
  /** The line breaks of Python's `str.splitlines`. */
  // eslint-disable-next-line no-control-regex -- Python counts these control characters as line breaks
  export const BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
  const WORD = '\\p{L}\\p{N}_';

  export function hasDelimiter(text: string, end: number): boolean {
    for (let i = 0; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 44 || c === 9) return true;
    }
    return false;
  }

  /**
   * Where the first `splitlines` break ends: -1 when the text has none, `undefined` when a `\r`
   * ends an unfinished prefix (a `\n` may follow).
   */
  export function firstBreakEnd(text: string, done: boolean): number | undefined {
    BREAK.lastIndex = 0;
    const m = BREAK.exec(text);
    if (!m) return done ? -1 : undefined;
    if (m[0] === '\r' && m.index === text.length - 1 && !done) return undefined;
    return m.index + m[0].length;
  }

  function escapeRegExp(s: string): string {
    return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  }

  function escapeClass(s: string): string {
    return s.replace(/[\\\]^-]/g, '\\$&');
  }

  /** Of a count map, the first key (in insertion order) with the highest count: Python's `max(d, key=d.get)`. */
  function argmax(counts: Map<string, number>): string {
    let best = '';
    let top = -Infinity;
    for (const [k, v] of counts) {
      if (v > top) {
        best = k;
        top = v;
      }
    }
    return best;
  }

  const QUOTE_PATTERNS = [
    `(?<delim>[^${WORD}\\n"'])(?<space> ?)(?<quote>["'])[\\s\\S]*?\\k<quote>\\k<delim>`,
    `(?:^|\\n)(?<quote>["'])[\\s\\S]*?\\k<quote>(?<delim>[^${WORD}\\n"'])(?<space> ?)`,
    `(?<delim>[^${WORD}\\n"'])(?<space> ?)(?<quote>["'])[\\s\\S]*?\\k<quote>(?:$|\\n)`,
    `(?:^|\\n)(?<quote>["'])[\\s\\S]*?\\k<quote>(?:$|\\n)`,
  ].map((p) => new RegExp(p, 'gmu'));

  export function guessQuoteAndDelimiter(data: string): {
    quotechar: string;
    doublequote: boolean;
    delimiter: string;
    skipinitialspace: boolean;
  } {
    let matches: RegExpMatchArray[] = [];
    for (const re of QUOTE_PATTERNS) {
      matches = [...data.matchAll(re)];
      if (matches.length) break;
    }
    if (!matches.length) return { quotechar: '', doublequote: false, delimiter: '', skipinitialspace: false };
    const quotes = new Map<string, number>();
    const delims = new Map<string, number>();
    let spaces = 0;
    for (const m of matches) {
      const g = m.groups!;
      if (g.quote) quotes.set(g.quote, (quotes.get(g.quote) ?? 0) + 1);
      if (!('delim' in g)) continue;
      if (g.delim) delims.set(g.delim, (delims.get(g.delim) ?? 0) + 1);
      if (g.space) spaces++;
    }
    const quotechar = argmax(quotes);
    let delim = '';
    let skipinitialspace = false;
    if (delims.size) {
      delim = argmax(delims);
      skipinitialspace = delims.get(delim) === spaces;
      if (delim === '\n') delim = '';
    }
    // An extra quote between delimiters means quotes are doubled inside quoted cells.
    const d = delim ? escapeRegExp(delim) : '';
    const dc = delim ? escapeClass(delim) : '';
    const dq = new RegExp(`((${d})|^)[^${WORD}]*${quotechar}[^${dc}\\n]*${quotechar}[^${dc}\\n]*${quotechar}[^${WORD}]*((${d})|$)`, 'mu');
    return { quotechar, doublequote: dq.test(data), delimiter: delim, skipinitialspace };
  }

  function count(line: string, ch: string): number {
    let n = 0;
    for (let i = line.indexOf(ch); i >= 0; i = line.indexOf(ch, i + 1)) n++;
    return n;
  }

  const PREFERRED = [',', '\t', ';', ' ', ':'];

  export function guessDelimiter(sample: string): { delimiter: string; skipinitialspace: boolean } {
    const data = sample.split('\n').filter((l) => l !== '');
    const ascii = Array.from({ length: 127 }, (_, i) => String.fromCharCode(i));
    const chunkLength = Math.min(10, data.length);
    let iteration = 0;
    // char -> (frequency in a line -> number of lines), in first-seen order like Python dicts.
    const charFrequency = new Map<string, Map<number, number>>();
    const modes = new Map<string, [number, number]>();
    const delims = new Map<string, [number, number]>();
    const skip = (d: string) => count(data[0], d) === count(data[0], `${d} `);
    let start = 0;
    let end = chunkLength;
    while (start < data.length) {
      iteration++;
      for (const line of data.slice(start, end)) {
        for (const ch of ascii) {
          const meta = charFrequency.get(ch) ?? new Map<number, number>();
          const freq = count(line, ch);
          meta.set(freq, (meta.get(freq) ?? 0) + 1);
          charFrequency.set(ch, meta);
        }
      }
      for (const [ch, meta] of charFrequency) {
        const items = [...meta.entries()];
        if (items.length === 1 && items[0][0] === 0) continue;
        if (items.length > 1) {
          let best = items[0];
          for (const it of items) if (it[1] > best[1]) best = it;
          const rest = items.filter((it) => it !== best).reduce((s, it) => s + it[1], 0);
          modes.set(ch, [best[0], best[1] - rest]);
        } else {
          modes.set(ch, items[0]);
        }
      }
      const total = Math.min(chunkLength * iteration, data.length);
      let consistency = 1.0;
      const threshold = 0.9;
      while (delims.size === 0 && consistency >= threshold) {
        for (const [k, v] of modes) {
          if (v[0] > 0 && v[1] > 0 && v[1] / total >= consistency) delims.set(k, v);
        }
        consistency -= 0.01;
      }
      if (delims.size === 1) {
        const delimiter = [...delims.keys()][0];
        return { delimiter, skipinitialspace: skip(delimiter) };
      }
      start = end;
      end += chunkLength;
    }
    if (!delims.size) return { delimiter: '', skipinitialspace: false };
    if (delims.size > 1) {
      for (const d of PREFERRED) if (delims.has(d)) return { delimiter: d, skipinitialspace: skip(d) };
    }
    // Python sorts (mode, char) tuples and takes the last.
    const items = [...delims.entries()].sort(([ka, a], [kb, b]) => a[0] - b[0] || a[1] - b[1] || (ka < kb ? -1 : ka > kb ? 1 : 0));
    const delimiter = items[items.length - 1][0];
    return { delimiter, skipinitialspace: skip(delimiter) };
  }
}
