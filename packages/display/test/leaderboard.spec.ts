import { DISPLAY_SYMBOL, MIME, leaderboard, leaderboardBundle, leaderboardChart, leaderboardTable } from '@taskcell/display';
import type { IDisplayable } from '@taskcell/display';

/**
 * Three submissions scored on three cases. By hand:
 *   dice (higher is better): A mean 0.75 median 0.75, B mean 0.75 median 0.875, C mean 0.5 median 0.5
 *     -> ranks A 1, B 1 (tied), C 3
 *   hd (lower is better):    A mean 4 median 4,       B mean 3 median 2,         C mean 1 median 1
 *     -> ranks C 1, B 2, A 3
 *   rank of ranks: A (1+3)/2 = 2, B (1+2)/2 = 1.5, C (3+1)/2 = 2  -> B 1st, A and C tied 2nd (by name: A, C)
 */
const scores = [
  { submission: 'A', case: 'c1', dice: 1, hd: 5 },
  { submission: 'A', case: 'c2', dice: 0.75, hd: 3 },
  { submission: 'A', case: 'c3', dice: 0.5, hd: 4 },
  { submission: 'B', case: 'c1', dice: 0.5, hd: 2 },
  { submission: 'B', case: 'c2', dice: 0.875, hd: 2 },
  { submission: 'B', case: 'c3', dice: 0.875, hd: 5 },
  { submission: 'C', case: 'c1', dice: 0.5, hd: 1 },
  { submission: 'C', case: 'c2', dice: 0.5, hd: 1 },
  { submission: 'C', case: 'c3', dice: 0.5, hd: 1 },
];

test('the ranking equals the one computed by hand: per-metric means rank, then the mean of the ranks, ties shared', () => {
  const board = leaderboard({
    metrics: ['dice', { name: 'hd', higherIsBetter: false }],
    scores,
    submissions: { A: { version: '1.0', digest: 'sha256:aaa' }, B: { version: '2.1' } },
  });
  expect(board.rows.map((r) => [r.rank, r.submission, r.rankOfRanks])).toEqual([
    [1, 'B', 1.5],
    [2, 'A', 2],
    [2, 'C', 2],
  ]);
  const byName = Object.fromEntries(board.rows.map((r) => [r.submission, r]));
  expect(byName.A.aggregates).toEqual({ dice: { mean: 0.75, median: 0.75, rank: 1 }, hd: { mean: 4, median: 4, rank: 3 } });
  expect(byName.B.aggregates).toEqual({ dice: { mean: 0.75, median: 0.875, rank: 1 }, hd: { mean: 3, median: 2, rank: 2 } });
  expect(byName.C.aggregates).toEqual({ dice: { mean: 0.5, median: 0.5, rank: 3 }, hd: { mean: 1, median: 1, rank: 1 } });
  expect([byName.A.version, byName.A.digest, byName.B.version, byName.C.version]).toEqual(['1.0', 'sha256:aaa', '2.1', undefined]);
  expect(byName.A.cases).toBe(3);
  expect(board.cases).toHaveLength(9);
  expect(board.cases[4]).toEqual({ submission: 'B', case: 'c2', scores: { dice: 0.875, hd: 2 } });
});

test('a table of scores, other column names, and missing scores: a submission with none on a metric ranks last there', () => {
  const board = leaderboard({
    metrics: ['score'],
    submissionField: 'algo',
    caseField: 'id',
    scores: {
      fields: ['algo', 'id', 'score'],
      rows: [
        { algo: 'x', id: 1, score: 0.5 },
        { algo: 'y', id: 1, score: 'NaN' },
        { algo: 'z', id: 1, score: 0.9 },
      ],
    },
  });
  expect(board.rows.map((r) => [r.rank, r.submission, r.aggregates.score.rank])).toEqual([
    [1, 'z', 1],
    [2, 'x', 2],
    [3, 'y', null],
  ]);
  expect(() => leaderboard({ metrics: [], scores })).toThrow(/Expected at least one metric/);
  expect(() => leaderboard({ metrics: ['dice'], scores: [{ case: 'c1', dice: 1 }] })).toThrow(
    /name its submission in "submission", got undefined/,
  );
});

test('its bundle carries the leaderboard MIME type with HTML and text tables, and a Vega-Lite chart of the score distribution', () => {
  const board = leaderboard({ title: 'Segmentation', metrics: ['dice', { name: 'hd', higherIsBetter: false }], scores });
  const bundle = (board as unknown as IDisplayable)[DISPLAY_SYMBOL]();
  expect(bundle).toEqual(leaderboardBundle(board));
  expect(Object.keys(bundle)).toEqual([MIME.leaderboard, MIME.html, MIME.plain]);
  expect(JSON.parse(JSON.stringify(bundle[MIME.leaderboard]))).toEqual(JSON.parse(JSON.stringify(board)));
  expect(bundle[MIME.html]).toContain('<caption>Segmentation</caption>');
  expect(String(bundle[MIME.plain]).split('\n')[3]).toMatch(/^1 +\| B +\| +\| 3 +\| 1\.5 +\| 0\.75 +\| 0\.875 +\| 1 +\| 3 +\| 2 +\| 2$/);
  expect(leaderboardTable(board).fields).toEqual([
    'rank',
    'submission',
    'version',
    'cases',
    'rank of ranks',
    'dice mean',
    'dice median',
    'dice rank',
    'hd mean',
    'hd median',
    'hd rank',
  ]);
  const chart = leaderboardChart(board);
  expect(chart.$schema).toMatch(/vega-lite\/v6/);
  expect(chart.data?.values).toHaveLength(18);
  expect((chart.spec as { mark: { type: string } }).mark.type).toBe('boxplot');
});
