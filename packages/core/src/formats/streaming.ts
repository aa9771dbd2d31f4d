import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { Writable } from 'node:stream';
import Papa from 'papaparse';
import { ValidationError } from '../errors';
import { pythonJson } from './python-json';
import { coerce, line, sniffDelimiter } from './table/csv';
import { nestRow } from './table/objectlist';

/** Conversions `streamConvert` does without holding the data in memory. */
const STREAMABLE: Record<string, string[]> = {
  csv: ['jsonlines', 'rows.json', 'objectlist.json', 'tsv', 'csv'],
  tsv: ['jsonlines', 'rows.json', 'objectlist.json', 'csv', 'tsv'],
};

/** True when `streamConvert` can convert this pair chunk by chunk. */
export function canStream(type: string, from: string, to: string): boolean {
  return type === 'table' && (STREAMABLE[from]?.includes(to) ?? false);
}

/**
 * Convert a large text table chunk by chunk: a CSV or TSV is parsed as it arrives (papaparse's
 * stream mode, Girder Worker's header and sniffing rules, the same cell coercion as in memory) and
 * written as JSON lines, rows.json, objectlist.json, CSV or TSV, honouring the output's
 * backpressure. The output is byte for byte what the in-memory conversion writes.
 */
export async function streamConvert(
  type: string,
  from: string,
  to: string,
  input: NodeJS.ReadableStream,
  output: Writable,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  if (!canStream(type, from, to)) throw new RangeError(`cannot stream ${type} from ${from} to ${to}`);
  // Read enough to sniff the delimiter as the in-memory path does, then parse everything.
  const iterator = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  let headText = '';
  const decoder = new TextDecoder();
  while (headText.length < 5000 || !headText.includes('\n')) {
    const next = await iterator.next();
    if (next.done) break;
    const text = typeof next.value === 'string' ? next.value : decoder.decode(next.value, { stream: true });
    headText += text;
  }
  const rest = (async function* () {
    yield headText;
    for (let n = await iterator.next(); !n.done; n = await iterator.next()) {
      yield typeof n.value === 'string' ? n.value : decoder.decode(n.value, { stream: true });
    }
    const tail = decoder.decode();
    if (tail) yield tail;
  })();
  const delimiter = sniffDelimiter(headText);
  // papaparse guesses the line ending from its first chunk; say it, so chunking cannot change it.
  const nl = headText.indexOf('\n');
  const newline = nl > 0 && headText[nl - 1] === '\r' ? '\r\n' : nl < 0 && headText.includes('\r') ? '\r' : '\n';
  const writer = new Private.Writer(output);
  let fields: string[] | undefined;
  let count = 0;
  const outDelimiter = to === 'tsv' ? '\t' : ',';
  const write = (cells: string[]): string => {
    if (!fields) {
      fields = cells.map((f) => f.replace(/^ +/, ''));
      if (to === 'rows.json') return `{"fields": ${pythonJson(fields)}, "rows": [`;
      if (to === 'objectlist.json') return '[';
      if (to === 'csv' || to === 'tsv') return line(fields, outDelimiter);
      return '';
    }
    if (cells.length > fields.length) {
      throw new ValidationError(`Invalid ${from} text (type "table") in record ${count + 2}: expected ${fields.length} cells as in the header, got ${cells.length}`, {
        type,
        format: from,
      });
    }
    const row: Record<string, unknown> = {};
    for (let j = 0; j < fields.length; j++) row[fields[j]] = j < cells.length ? coerce(cells[j]) : null;
    const sep = count++ ? ', ' : '';
    switch (to) {
      case 'jsonlines':
        return `${JSON.stringify(nestRow(row))}\n`;
      case 'rows.json':
        return `${sep}${pythonJson(row)}`;
      case 'objectlist.json':
        return `${sep}${pythonJson(nestRow(row))}`;
      default:
        return line(fields.map((f) => row[f]), outDelimiter);
    }
  };
  // papaparse hands over rows a chunk at a time; it pauses while the output drains.
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(options.signal!.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    Papa.parse(Readable.from(rest) as unknown as File, {
      delimiter,
      newline,
      skipEmptyLines: true,
      header: false,
      chunk: (results: Papa.ParseResult<string[]>, parser: Papa.Parser) => {
        let out = '';
        try {
          for (const cells of results.data) out += write(cells);
        } catch (err) {
          parser.abort();
          reject(err);
          return;
        }
        parser.pause();
        writer.write(out).then(() => parser.resume(), reject);
      },
      complete: () => {
        options.signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      error: (err: Error) => reject(err),
    });
  });
  if (to === 'rows.json') await writer.write(fields ? ']}' : '{"fields": [], "rows": []}');
  else if (to === 'objectlist.json') await writer.write(fields ? ']' : '[]');
  await writer.flush();
}

namespace Private {
  /** Batches small strings into larger writes and waits for `drain` when the output is full. */
  export class Writer {
    private buffer: string[] = [];
    private size = 0;

    constructor(private readonly output: Writable) {}

    async write(s: string): Promise<void> {
      this.buffer.push(s);
      this.size += s.length;
      if (this.size >= 1 << 16) await this.flush();
    }

    async flush(): Promise<void> {
      if (!this.buffer.length) return;
      const chunk = this.buffer.join('');
      this.buffer = [];
      this.size = 0;
      if (!this.output.write(chunk)) await once(this.output, 'drain');
    }
  }
}
