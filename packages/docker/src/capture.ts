import { createWriteStream, mkdtempSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { constants } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import type { Job } from '@taskcell/core';
import { OutputTooLargeError } from './errors';

/**
 * A container's stdout or stderr as the job log sees it: split into lines as it comes, a partial
 * line kept until its end arrives. Only the new text is searched for a line end, so the time is
 * linear whatever the line lengths; a line longer than `maxLine` characters goes to the log in
 * pieces of that length (a log of one 1 GB line helps no one and could not be held anyway).
 */
export class LineLog {
  private partial: string[] = [];
  private partialLength = 0;
  // A character split across two chunks is decoded whole.
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    private readonly job: Job,
    private readonly stream: 'stdout' | 'stderr',
    private readonly maxLine = 64 * 1024,
  ) {}

  write(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    const nl = text.lastIndexOf('\n');
    if (nl < 0) {
      this.partial.push(text);
      this.partialLength += text.length;
      if (this.partialLength >= this.maxLine) this.flush(false);
      return;
    }
    this.partial.push(text.slice(0, nl + 1));
    this.job.writeLog(this.stream, this.partial.join(''));
    this.partial = [text.slice(nl + 1)];
    this.partialLength = this.partial[0].length;
  }

  /** Write out the partial line (and, at the end, what the decoder still holds). */
  flush(end = true): void {
    const rest = this.partial.join('') + (end ? this.decoder.end() : '');
    if (rest) this.job.writeLog(this.stream, rest);
    this.partial = [];
    this.partialLength = 0;
  }
}

/**
 * What a container writes on one stream, kept for the `_stdout`/`_stderr` outputs: in memory up
 * to `inMemory` bytes, then in a file of a new directory under `spillRoot` (everything so far, and
 * the rest as it comes), so the output's size is bounded by the disk rather than by the process's
 * memory. The directory is the caller's to remove; it is not the job's data directory, which the
 * container can write to (and so could plant a link where the file would go).
 */
export class OutputCapture {
  private chunks: Buffer[] = [];
  private size = 0;
  private file: WriteStream | undefined;
  private failed: Error | undefined;

  private spillPath: string | undefined;

  constructor(
    private readonly name: string,
    private readonly spillRoot: string | undefined,
    private readonly inMemory = DEFAULT_IN_MEMORY,
  ) {}

  write(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.file) {
      this.file.write(chunk);
      return;
    }
    this.chunks.push(Buffer.from(chunk));
    if (this.spillRoot !== undefined && this.size > this.inMemory) {
      this.spillPath = join(mkdtempSync(join(this.spillRoot, 'taskcell-capture-')), this.name);
      this.file = createWriteStream(this.spillPath);
      this.file.on('error', (err) => (this.failed = err));
      for (const c of this.chunks) this.file.write(c);
      this.chunks = [];
    }
  }

  /** Drop what was kept (a run that failed): the file and its directory too. */
  async discard(): Promise<void> {
    this.chunks = [];
    if (!this.file) return;
    this.file.destroy();
    await rm(dirname(this.spillPath!), { recursive: true, force: true });
  }

  /** Finish: the text when it stayed in memory, else the file it went to. */
  async end(): Promise<{ text: string } | { file: string; size: number }> {
    if (!this.file) return { text: Buffer.concat(this.chunks).toString('utf8') };
    this.file.end();
    if (!this.file.closed) await once(this.file, 'close');
    if (this.failed) throw this.failed;
    return { file: this.spillPath!, size: this.size };
  }
}

/** How many bytes of a stream stay in memory before the rest goes to a file (64 MiB). */
export const DEFAULT_IN_MEMORY = 64 * 2 ** 20;

/**
 * The text of a captured stream that went to a file, for an output held in memory: read whole
 * when a string can hold it, else an OutputTooLargeError that says to take the output as a file.
 */
export async function capturedText(file: string, port: string, context: Record<string, unknown> = {}): Promise<string> {
  const { size } = await stat(file);
  if (size > constants.MAX_STRING_LENGTH) {
    throw new OutputTooLargeError(
      `Output "${port}": the container wrote ${size} bytes, more than the ${constants.MAX_STRING_LENGTH} characters a string can hold; ` +
        `expected at most that much for a text output (declare "${port}" with "target": "filepath" to get the file instead)`,
      { ...context, port, size },
    );
  }
  return readFile(file, 'utf8');
}
