import { once } from 'node:events';
import type { EventEmitter } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, addAbortSignal } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CanceledError, ConversionError } from '../errors';
import { EXCEL, EXCEL_TAB } from './table/csv-dialect';
import { TableReader } from './table/csv-rows';
import { DelimitedWriter } from './table/csv-writer';
import { ejsonDumps, ejsonLoads } from './table/json-text';
import { flattenInto, jsonlinesLine, nestRow } from './table/objectlist';
import { RowsJsonWriter } from './table/rows';

/** Options of `streamConvert`. */
export interface IStreamConvertOptions {
  /** Abort to stop: the conversion rejects with a CanceledError, and the output is left as far as it got. */
  signal?: AbortSignal;
  /** End the output when done (default true; process.stdout and process.stderr are never ended). */
  end?: boolean;
}

/** Text table formats `streamConvert` reads, and those it writes. */
const SOURCES = ['csv', 'tsv', 'jsonlines'];
const TARGETS = ['csv', 'tsv', 'jsonlines', 'rows.json', 'objectlist.json'];

/**
 * True when `streamConvert` converts this pair without holding the data in memory: type `table`,
 * from csv, tsv or jsonlines to csv, tsv, jsonlines, rows.json or objectlist.json.
 */
export function canStream(type: string, from: string, to: string): boolean {
  return type === 'table' && SOURCES.includes(from) && TARGETS.includes(to);
}

/**
 * The ConversionError for data too large for an in-memory format (`why` says what overflowed): it
 * names the formats `from` streams to, where there are any, so the caller can convert without
 * holding the data (`taskcell convert` streams those pairs).
 */
export function tooLargeForMemory(type: string, from: string, to: string, why: string): ConversionError {
  const streams = canStream(type, from, 'csv') ? TARGETS.filter((t) => t !== from) : [];
  const hint = streams.length
    ? `convert it to a streaming format instead (${type} from ${from} streams to ${streams.join(', ')})`
    : `type "${type}" has no streaming conversion from "${from}", so the data must be made smaller`;
  return new ConversionError(`Type "${type}" from "${from}" to "${to}": the data is too large to hold in memory (${why}); ${hint}`, {
    type,
    format: from,
    to,
  });
}

/**
 * Convert a text table piece by piece, writing exactly what the in-memory conversion along the
 * shortest converter path writes. CSV and TSV are read with Girder Worker's header and sniffing
 * rules as they arrive (at most the first line and 5000 more characters are held back to choose
 * the dialect) and each row is written as soon as it is read. From jsonlines to csv, tsv or
 * rows.json the fields (every key seen in any line) must be known before the first row, so the
 * lines are read twice, through a temporary file. The output's backpressure is honoured, so memory
 * stays bounded whatever the size. A format pair that does not stream is a ConversionError (see
 * `canStream`); bad text is a ValidationError with line and column.
 */
export async function streamConvert(
  type: string,
  from: string,
  to: string,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  options: IStreamConvertOptions = {},
): Promise<void> {
  if (!canStream(type, from, to)) {
    throw new ConversionError(
      `Cannot stream type "${type}" from "${from}" to "${to}"; streaming converts type "table" from ${SOURCES.join(', ')} to ${TARGETS.join(', ')}`,
      { type, format: from, to },
    );
  }
  const { signal } = options;
  if (signal?.aborted) throw new CanceledError(`Streaming table from ${from} to ${to} was cancelled`, { type, format: from, to });
  const out = new Private.Output(output, signal);
  try {
    if (from === to) {
      for await (const text of Private.chunks(input, signal)) {
        out.push(text);
        await out.flush();
      }
    } else if (from === 'jsonlines') {
      await Private.fromJsonlines(to, input, out, signal);
    } else {
      await Private.fromDelimited(from, to, input, out, signal);
    }
    await out.flush();
  } catch (err) {
    if (signal?.aborted)
      throw new CanceledError(`Streaming table from ${from} to ${to} was cancelled`, { type, format: from, to }, { cause: err });
    throw err;
  }
  if (options.end !== false && output !== process.stdout && output !== process.stderr) {
    const done = once(output as unknown as EventEmitter, 'finish');
    output.end();
    await done;
  }
}

namespace Private {
  const HIGH_WATER = 1 << 16;

  /** Output text gathered and written in pieces of about 64 KB, waiting whenever the stream asks to. */
  export class Output {
    private buf = '';

    constructor(
      private readonly stream: NodeJS.WritableStream,
      private readonly signal?: AbortSignal,
    ) {}

    push(text: string): void {
      this.buf += text;
    }

    get full(): boolean {
      return this.buf.length >= HIGH_WATER;
    }

    async flush(): Promise<void> {
      if (!this.buf) return;
      const text = this.buf;
      this.buf = '';
      if (!this.stream.write(text)) await once(this.stream as unknown as EventEmitter, 'drain', { signal: this.signal });
    }
  }

  /** The input's text, decoded as UTF-8 (a character split between chunks is kept whole). */
  export async function* chunks(input: NodeJS.ReadableStream, signal?: AbortSignal): AsyncGenerator<string> {
    const readable = input instanceof Readable ? input : new Readable().wrap(input);
    if (signal) addAbortSignal(signal, readable);
    const decoder = new StringDecoder('utf8');
    for await (const chunk of readable as AsyncIterable<Buffer | string>) {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      if (text) yield text;
    }
    const tail = decoder.end();
    if (tail) yield tail;
  }

  /** The lines of a text stream (ended by `\n`, `\r\n` or `\r`), each with its 1-based number. */
  export async function* lines(source: AsyncIterable<string>): AsyncGenerator<[string, number]> {
    let rest = '';
    let n = 0;
    let skipLF = false;
    for await (let text of source) {
      if (skipLF && text.charCodeAt(0) === 10) text = text.slice(1);
      skipLF = false;
      text = rest + text;
      let start = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        yield [text.slice(start, i), ++n];
        if (c === 13) {
          if (i + 1 === text.length) skipLF = true;
          else if (text.charCodeAt(i + 1) === 10) i++;
        }
        start = i + 1;
      }
      rest = text.slice(start);
    }
    if (rest) yield [rest, ++n];
  }

  const BLANK = /^[ \t]*$/;

  /** csv or tsv to any target: rows are written as the reader hands them over. */
  export async function fromDelimited(
    from: string,
    to: string,
    input: NodeJS.ReadableStream,
    out: Output,
    signal?: AbortSignal,
  ): Promise<void> {
    let onRow: (row: Record<string, unknown>) => void = () => undefined;
    let tail = '';
    const onHeader = (fields: string[]) => {
      switch (to) {
        case 'csv':
        case 'tsv': {
          const w = new DelimitedWriter(to === 'csv' ? EXCEL : EXCEL_TAB, to);
          out.push(w.header(fields));
          onRow = (row) => out.push(w.row(row));
          break;
        }
        case 'rows.json': {
          const w = new RowsJsonWriter(fields);
          out.push(w.head);
          onRow = (row) => out.push(w.row(row));
          tail = w.tail;
          break;
        }
        case 'objectlist.json': {
          let count = 0;
          out.push('[');
          onRow = (row) => out.push((count++ ? ', ' : '') + ejsonDumps(nestRow(row)));
          tail = ']';
          break;
        }
        default: {
          // Cells read from CSV are strings, finite numbers and null, which JSON.stringify writes
          // exactly as jsonlinesLine does, only faster; dotted fields still nest.
          const dotted = fields.some((f) => f.includes('.'));
          onRow = dotted ? (row) => out.push(jsonlinesLine(nestRow(row))) : (row) => out.push(`${JSON.stringify(row)}\n`);
        }
      }
    };
    const reader = new TableReader(from, (row) => onRow(row), onHeader);
    for await (const text of chunks(input, signal)) {
      reader.write(text);
      await out.flush();
    }
    reader.end();
    out.push(tail);
  }

  /** jsonlines to any target; csv, tsv and rows.json need every field first, so they read the lines twice through a temporary file. */
  export async function fromJsonlines(to: string, input: NodeJS.ReadableStream, out: Output, signal?: AbortSignal): Promise<void> {
    const parse = (line: string, n: number) => ejsonLoads(line, { format: 'jsonlines', line: n });
    if (to === 'objectlist.json') {
      let count = 0;
      out.push('[');
      for await (const [line, n] of lines(chunks(input, signal))) {
        if (BLANK.test(line)) continue;
        out.push((count++ ? ', ' : '') + ejsonDumps(parse(line, n)));
        if (out.full) await out.flush();
      }
      out.push(']');
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), 'taskcell-stream-'));
    try {
      const spool = join(dir, 'lines.jsonl');
      const fields = new Set<string>();
      const file = await open(spool, 'w');
      try {
        let buf = '';
        for await (const [line, n] of lines(chunks(input, signal))) {
          if (BLANK.test(line)) continue;
          flattenInto(parse(line, n), {}, fields);
          buf += `${line}\n`;
          if (buf.length >= HIGH_WATER) {
            await file.write(buf);
            buf = '';
          }
        }
        await file.write(buf);
      } finally {
        await file.close();
      }
      const header = [...fields];
      let write: (row: Record<string, unknown>) => string;
      if (to === 'rows.json') {
        const w = new RowsJsonWriter(header);
        out.push(w.head);
        write = (row) => w.row(row);
      } else {
        const w = new DelimitedWriter(to === 'tsv' ? EXCEL_TAB : EXCEL, to);
        out.push(w.header(header));
        write = (row) => w.row(row);
      }
      for await (const [line, n] of lines(chunks(createReadStream(spool, { highWaterMark: HIGH_WATER }), signal))) {
        const row: Record<string, unknown> = {};
        flattenInto(parse(line, n), row, fields);
        out.push(write(row));
        if (out.full) await out.flush();
      }
      if (to === 'rows.json') out.push(']}');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
