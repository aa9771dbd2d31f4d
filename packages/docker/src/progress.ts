import { StringDecoder } from 'node:string_decoder';
import type { IProgress } from '@taskcell/core';

/** One progress report as a container writes it: any of the three keys may be missing (null). */
export interface IProgressReport {
  current: number | null;
  total: number | null;
  message: string | null;
}

/**
 * Girder Worker's `JobProgressAdapter`: bytes from a progress pipe, split into lines; each complete
 * line that parses as a JSON object becomes a report (`{message, current, total}`, missing keys as
 * null). Other lines (not JSON, arrays, numbers) are ignored; a trailing partial line waits for the
 * next write and is never parsed if none comes.
 */
export class ProgressLineParser {
  private buffer = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly onReport: (report: IProgressReport) => void) {}

  /** Feed bytes or text from the pipe. */
  write(chunk: Buffer | string): void {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      const report = Private.parse(line);
      if (report) this.onReport(report);
    }
  }
}

/** A report as a job progress: missing numbers become 0, a missing message is left out. */
export function toJobProgress(report: IProgressReport): IProgress {
  const p: IProgress = { current: report.current ?? 0, total: report.total ?? 0 };
  if (report.message !== null) p.message = report.message;
  return p;
}

namespace Private {
  export function parse(line: string): IProgressReport | undefined {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      return undefined;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    const o = v as Record<string, unknown>;
    return {
      current: typeof o.current === 'number' ? o.current : null,
      total: typeof o.total === 'number' ? o.total : null,
      message: typeof o.message === 'string' ? o.message : o.message === undefined || o.message === null ? null : String(o.message),
    };
  }
}
