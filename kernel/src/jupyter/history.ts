/** One history entry: session, line number, input, and the text of its result if it had one. */
export interface IHistoryEntry {
  session: number;
  line: number;
  input: string;
  output?: string;
}

/** A `history_request`'s content. */
export interface IHistoryQuery {
  output?: boolean;
  raw?: boolean;
  hist_access_type?: 'range' | 'tail' | 'search' | string;
  session?: number;
  start?: number;
  stop?: number;
  n?: number;
  pattern?: string;
  unique?: boolean;
}

/** The session number of this kernel's history (history lives in memory, one session per kernel process). */
export const HISTORY_SESSION = 1;

/**
 * In-memory input history with the three access types of the protocol: `tail`, `range` and
 * `search` (glob patterns with `*` and `?`, newest last, optionally unique).
 */
export class History {
  private readonly entries: IHistoryEntry[] = [];

  /** Record a cell that was stored in history under `line` (its execution count). */
  add(line: number, input: string, output?: string): void {
    this.entries.push({ session: HISTORY_SESSION, line, input, output });
  }

  /** Answer a history request: `[session, line, input]` or `[session, line, [input, output]]` triples. */
  query(q: IHistoryQuery): Array<[number, number, string | [string, string | null]]> {
    let found: IHistoryEntry[];
    switch (q.hist_access_type) {
      case 'tail':
        found = q.n === undefined ? this.entries : this.entries.slice(-Math.max(0, q.n));
        break;
      case 'range': {
        const session = q.session === undefined || q.session <= 0 ? HISTORY_SESSION : q.session;
        const start = q.start ?? 0;
        const stop = q.stop ?? Number.POSITIVE_INFINITY;
        found = this.entries.filter((e) => e.session === session && e.line >= start && e.line < stop);
        break;
      }
      case 'search': {
        const re = Private.glob(q.pattern ?? '*');
        let hits = this.entries.filter((e) => re.test(e.input));
        if (q.unique) {
          const seen = new Set<string>();
          hits = hits
            .reverse()
            .filter((e) => !seen.has(e.input) && seen.add(e.input) !== undefined)
            .reverse();
        }
        found = q.n === undefined ? hits : hits.slice(-Math.max(0, q.n));
        break;
      }
      default:
        found = [];
    }
    return found.map((e) => [e.session, e.line, q.output ? [e.input, e.output ?? null] : e.input]);
  }
}

namespace Private {
  export function glob(pattern: string): RegExp {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    return new RegExp(`^${body}$`, 's');
  }
}
