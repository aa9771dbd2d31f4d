/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The Leaderboard renderer end to end, in a real JupyterLab on the taskcell kernel in Debian's
 * Chromium: a cell's `leaderboard(...)` shows as the renderer (never as its HTML fallback), sorts
 * by a metric column on click, opens a submission's per-case scores, shows the version and image
 * digest, and draws the score distribution with the chart renderer; AA contrast in both themes.
 * Screenshots go to test-results/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, contrastViolations, labSuite, openNotebook, runCell, setTheme, writeNotebook } from './jupyterlab';
import type { ILab } from './jupyterlab';

const RESULTS = join(ROOT, 'test-results');

describe('the Leaderboard renderer in JupyterLab', () => {
  const source = [
    'import { leaderboard } from "taskcell";',
    'const scores = [',
    '  ["A", "c1", 1, 5], ["A", "c2", 0.75, 3], ["A", "c3", 0.5, 4],',
    '  ["B", "c1", 0.5, 2], ["B", "c2", 0.875, 2], ["B", "c3", 0.875, 5],',
    '  ["C", "c1", 0.5, 1], ["C", "c2", 0.5, 1], ["C", "c3", 0.5, 1],',
    '].map(([submission, c, dice, hd]) => ({ submission, case: c, dice, hd }));',
    'leaderboard({',
    '  title: "Segmentation challenge",',
    '  metrics: ["dice", { name: "hd", higherIsBetter: false }],',
    '  scores,',
    '  submissions: { A: { version: "1.0", digest: "sha256:4f2a9c" }, B: { version: "2.1" }, C: { version: "0.3" } },',
    '})',
  ].join('\n');
  const suite = labSuite('leaderboard', (root) => writeNotebook(root, 'leaderboard.ipynb', [source]), { width: 1200, height: 900 });
  let lab: ILab;
  let page: Page;
  beforeAll(() => ({ lab, page } = suite));

  const order = (): Promise<string[]> =>
    page.$$eval('.tc-Leaderboard-row', (rows) => rows.map((r) => (r as HTMLElement).dataset.submission ?? ''));

  it('ranks, sorts by any metric, drills down to cases, shows versions and the distribution chart, in both themes', async () => {
    await openNotebook(page, lab, 'leaderboard.ipynb');
    await runCell(page, 0);
    await page.waitForSelector('.tc-Leaderboard .tc-Leaderboard-row', { timeout: 60_000 });
    expect(await page.locator('.jp-OutputArea-output .tc-leaderboard').count()).toBe(0);
    expect(await order()).toEqual(['B', 'A', 'C']);
    const ranks = await page.$$eval('.tc-Leaderboard-row', (rows) => rows.map((r) => (r as HTMLTableRowElement).cells[0].textContent));
    expect(ranks).toEqual(['1', '2', '2']);
    expect(await page.locator('.tc-Leaderboard-row[data-submission="A"] .tc-Leaderboard-version').textContent()).toBe('1.0 sha256:4f2a9c');

    // Sort by the mean Hausdorff distance, then reverse.
    const header = page.locator('.tc-Leaderboard-header', { hasText: /^hd mean$/ });
    await header.click();
    expect(await order()).toEqual(['C', 'B', 'A']);
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toBe('hd mean');
    await header.click();
    expect(await order()).toEqual(['A', 'B', 'C']);
    await page.locator('.tc-Leaderboard-header', { hasText: /^rank$/ }).click();
    expect(await order()).toEqual(['B', 'A', 'C']);

    // B's cases.
    await page.locator('.tc-Leaderboard-row[data-submission="B"] .tc-Leaderboard-toggle').click();
    const cases = await page.$$eval('.tc-Leaderboard-cases tbody tr', (rows) =>
      rows.map((r) => [...(r as HTMLTableRowElement).cells].map((c) => c.textContent)),
    );
    expect(cases).toEqual([
      ['c1', '0.5', '2'],
      ['c2', '0.875', '2'],
      ['c3', '0.875', '5'],
    ]);
    expect(await page.locator('.tc-Leaderboard-row[data-submission="B"] .tc-Leaderboard-toggle').getAttribute('aria-expanded')).toBe(
      'true',
    );

    // The score distribution, one box per submission and metric.
    await page.waitForSelector('.tc-Leaderboard .tc-VegaRenderer[data-tc-theme="light"] .vega-embed svg', { timeout: 60_000 });
    expect(
      await page.locator('.tc-Leaderboard .tc-VegaRenderer .mark-rect path, .tc-Leaderboard .tc-VegaRenderer .mark-rule line').count(),
    ).toBeGreaterThan(0);
    const output = page.locator('.jp-Cell').first().locator('.jp-OutputArea');
    expect(await contrastViolations(page, '.tc-Leaderboard-table')).toEqual([]);
    await output.screenshot({ path: join(RESULTS, 'leaderboard-light.png') });

    await setTheme(page, 'dark');
    await page.waitForSelector('.tc-Leaderboard .tc-VegaRenderer[data-tc-theme="dark"] .vega-embed svg', { timeout: 60_000 });
    expect(await contrastViolations(page, '.tc-Leaderboard-table')).toEqual([]);
    await output.screenshot({ path: join(RESULTS, 'leaderboard-dark.png') });
    await setTheme(page, 'light');
    suite.pass();
  }, 240_000);
});
