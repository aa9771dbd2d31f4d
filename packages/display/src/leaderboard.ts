import type { IRows } from '@taskcell/core';
import { escapeHtml } from './html';
import { DISPLAY_SYMBOL, MIME } from './mime';
import type { IMimeBundle } from './mime';
import { vegaLiteSpec } from './vega';
import type { IVegaLiteSpec } from './vega';

/** The version of the leaderboard record. */
export const LEADERBOARD_VERSION = 1;

/** A metric and which way is better. */
export interface ILeaderboardMetric {
  name: string;
  /** True (the default) when a higher score is better (Dice); false for errors and distances. */
  higherIsBetter?: boolean;
}

/** What `leaderboard()` ranks: one score row per submission and case. */
export interface ILeaderboardInput {
  title?: string;
  /** The metrics to rank by: names (higher is better) or metric objects. */
  metrics: Array<string | ILeaderboardMetric>;
  /** Rows with a submission, a case and a number per metric (a table `{fields, rows}` or a list of objects). */
  scores: IRows | Array<Record<string, unknown>>;
  /** The column naming the submission (default `submission`). */
  submissionField?: string;
  /** The column naming the case (default `case`). */
  caseField?: string;
  /** Each submission's algorithm version and image digest, by submission name. */
  submissions?: Record<string, { version?: string; digest?: string }>;
}

/** One metric of one submission: mean and median over its cases, and its rank among submissions by the mean. */
export interface IMetricAggregate {
  mean: number | null;
  median: number | null;
  rank: number | null;
}

/** One submission's line of the leaderboard. */
export interface ILeaderboardRow {
  /** Position by rank of ranks (ties share the lower number: 1, 2, 2, 4). */
  rank: number;
  submission: string;
  version?: string;
  digest?: string;
  /** How many cases it was scored on. */
  cases: number;
  /** The mean of its ranks over the metrics (grand-challenge's "mean position"). */
  rankOfRanks: number;
  aggregates: Record<string, IMetricAggregate>;
}

/** The leaderboard as the `application/vnd.taskcell.leaderboard+json` MIME type carries it. */
export interface ILeaderboard {
  v: typeof LEADERBOARD_VERSION;
  title: string;
  metrics: Array<Required<ILeaderboardMetric>>;
  /** Best first. */
  rows: ILeaderboardRow[];
  /** Every score, for the per-case drill-down and the distribution chart. */
  cases: Array<{ submission: string; case: string; scores: Record<string, number | null> }>;
}

/**
 * Rank submissions as grand-challenge does with "mean position": per metric, each submission's mean
 * over its cases ranks it among the submissions (competition ranking, ties share the lower rank);
 * the mean of those ranks is its rank of ranks, and the leaderboard sorts by it (then by name).
 * The result shows as the Leaderboard renderer (`display(leaderboard(...))`).
 */
export function leaderboard(input: ILeaderboardInput): ILeaderboard {
  const sField = input.submissionField ?? 'submission';
  const cField = input.caseField ?? 'case';
  const metrics = input.metrics.map((m) =>
    typeof m === 'string' ? { name: m, higherIsBetter: true } : { name: m.name, higherIsBetter: m.higherIsBetter !== false },
  );
  if (metrics.length === 0) throw new TypeError('Expected at least one metric to rank by, got none');
  const rows = Array.isArray(input.scores) ? input.scores : input.scores.rows;
  const cases: ILeaderboard['cases'] = rows.map((r, i) => {
    const submission = r[sField];
    if (typeof submission !== 'string' && typeof submission !== 'number') {
      throw new TypeError(`Expected score row ${i} to name its submission in "${sField}", got ${JSON.stringify(submission)}`);
    }
    const scores: Record<string, number | null> = {};
    for (const m of metrics) scores[m.name] = Private.number(r[m.name]);
    return { submission: String(submission), case: String(r[cField] ?? i), scores };
  });
  const names = [...new Set(cases.map((c) => c.submission))];
  const aggregates = new Map<string, Record<string, IMetricAggregate>>(names.map((n) => [n, {}]));
  for (const m of metrics) {
    const means = names.map((n) => {
      const values = cases
        .filter((c) => c.submission === n)
        .map((c) => c.scores[m.name])
        .filter((v): v is number => v !== null);
      const agg: IMetricAggregate = { mean: Private.mean(values), median: Private.median(values), rank: null };
      aggregates.get(n)![m.name] = agg;
      return agg;
    });
    const ranked = Private.competitionRanks(
      means.map((a) => a.mean),
      m.higherIsBetter,
    );
    means.forEach((a, i) => (a.rank = ranked[i]));
  }
  const board = names.map((n) => {
    const aggs = aggregates.get(n)!;
    // A metric with no score ranks the submission last on it.
    const ranks = metrics.map((m) => aggs[m.name].rank ?? names.length);
    const row: ILeaderboardRow = {
      rank: 0,
      submission: n,
      cases: new Set(cases.filter((c) => c.submission === n).map((c) => c.case)).size,
      rankOfRanks: ranks.reduce((s, r) => s + r, 0) / ranks.length,
      aggregates: aggs,
    };
    const info = input.submissions?.[n];
    if (info?.version !== undefined) row.version = info.version;
    if (info?.digest !== undefined) row.digest = info.digest;
    return row;
  });
  board.sort((a, b) => a.rankOfRanks - b.rankOfRanks || a.submission.localeCompare(b.submission));
  const overall = Private.competitionRanks(
    board.map((r) => r.rankOfRanks),
    false,
  );
  board.forEach((r, i) => (r.rank = overall[i] ?? i + 1));
  const result: ILeaderboard = { v: LEADERBOARD_VERSION, title: input.title ?? 'Leaderboard', metrics, rows: board, cases };
  Object.defineProperty(result, DISPLAY_SYMBOL, { value: () => leaderboardBundle(result), enumerable: false });
  return result;
}

/** The Vega-Lite chart of each metric's score distribution per submission (box plots over the cases). */
export function leaderboardChart(board: ILeaderboard): IVegaLiteSpec {
  const values = board.cases.flatMap((c) =>
    board.metrics.map((m) => ({ submission: c.submission, case: c.case, metric: m.name, score: c.scores[m.name] })),
  );
  return vegaLiteSpec({
    title: `${board.title}: score distribution`,
    data: { values: values.filter((v) => v.score !== null) },
    facet: { column: { field: 'metric', type: 'nominal', title: null } },
    spec: {
      width: 180,
      mark: { type: 'boxplot', extent: 'min-max' },
      encoding: {
        x: { field: 'submission', type: 'nominal', sort: board.rows.map((r) => r.submission), title: null },
        y: { field: 'score', type: 'quantitative', title: 'score' },
        color: { field: 'submission', type: 'nominal', legend: null },
      },
    },
    resolve: { scale: { y: 'independent' } },
  });
}

/** The columns of the leaderboard's flat table (the text and HTML fallbacks, and the renderer's sortable table). */
export function leaderboardTable(board: ILeaderboard): IRows {
  const fields = ['rank', 'submission', 'version', 'cases', 'rank of ranks'];
  for (const m of board.metrics) fields.push(`${m.name} mean`, `${m.name} median`, `${m.name} rank`);
  const rows = board.rows.map((r) => {
    const row: Record<string, unknown> = {
      rank: r.rank,
      submission: r.submission,
      version: [r.version, r.digest].filter(Boolean).join(' ') || '',
      cases: r.cases,
      'rank of ranks': Private.round(r.rankOfRanks),
    };
    for (const m of board.metrics) {
      const a = r.aggregates[m.name];
      row[`${m.name} mean`] = a.mean === null ? null : Private.round(a.mean);
      row[`${m.name} median`] = a.median === null ? null : Private.round(a.median);
      row[`${m.name} rank`] = a.rank;
    }
    return row;
  });
  return { fields, rows };
}

/** A leaderboard as its MIME type, with HTML and text tables that never outrank it in JupyterLab. */
export function leaderboardBundle(board: ILeaderboard): IMimeBundle {
  const { fields, rows } = leaderboardTable(board);
  const cell = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
  const html = [
    `<table class="tc-leaderboard"><caption>${escapeHtml(board.title)}</caption>`,
    `<thead><tr>${fields.map((f) => `<th>${escapeHtml(f)}</th>`).join('')}</tr></thead>`,
    `<tbody>${rows.map((r) => `<tr>${fields.map((f) => `<td>${escapeHtml(cell(r[f]))}</td>`).join('')}</tr>`).join('')}</tbody>`,
    '</table>',
  ].join('');
  const widths = fields.map((f) => Math.max(f.length, ...rows.map((r) => cell(r[f]).length)));
  const line = (vals: string[]): string =>
    vals
      .map((v, i) => v.padEnd(widths[i]))
      .join(' | ')
      .trimEnd();
  const text = [
    board.title,
    line(fields),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map((r) => line(fields.map((f) => cell(r[f])))),
  ];
  const data: ILeaderboard = { v: board.v, title: board.title, metrics: board.metrics, rows: board.rows, cases: board.cases };
  return { [MIME.leaderboard]: data, [MIME.html]: html, [MIME.plain]: text.join('\n') };
}

namespace Private {
  export function number(v: unknown): number | null {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    return Number.isFinite(n) ? n : null;
  }

  export function mean(xs: number[]): number | null {
    return xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length;
  }

  export function median(xs: number[]): number | null {
    if (xs.length === 0) return null;
    const s = [...xs].sort((a, b) => a - b);
    const mid = s.length >> 1;
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  }

  /** 1 for the best; equal values share the lower rank (1, 2, 2, 4); a missing value has no rank. */
  export function competitionRanks(values: Array<number | null>, higherIsBetter: boolean): Array<number | null> {
    return values.map((v) => {
      if (v === null) return null;
      return 1 + values.filter((w) => w !== null && (higherIsBetter ? w > v : w < v)).length;
    });
  }

  export function round(x: number): number {
    return Math.round(x * 10_000) / 10_000;
  }
}
