/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The Runs view end to end, in a real JupyterLab on the taskcell kernel in Debian's Chromium: the
 * kernel records a cell's runs, `runsView()` lists them (never as the HTML fallback), the text and
 * state filters narrow the list, and two picked runs show side by side: the input that differs,
 * each output rendered by its format (a table for rows), and timing bars. AA contrast in both
 * themes; screenshots go to test-results/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, contrastViolations, labSuite, openNotebook, runCell, setTheme, writeNotebook } from './jupyterlab';
import type { ILab } from './jupyterlab';

const RESULTS = join(ROOT, 'test-results');

describe('the Runs view in JupyterLab', () => {
  const runsCell = [
    'import { task, run, runsView } from "taskcell";',
    'const stats = task({ name: "stats", cache: false, inputs: { n: "number" }, outputs: { table: "table", total: "number" } },',
    '  async ({ n }) => {',
    '    if (n < 0) throw new Error("n must be >= 0");',
    '    await new Promise((r) => setTimeout(r, n * 20));',
    '    return { table: { fields: ["i", "square"], rows: Array.from({ length: n }, (_, i) => ({ i, square: i * i })) }, total: n };',
    '  });',
    'await run(stats, { n: 2 });',
    'await run(stats, { n: 5 });',
    'await run(stats, { n: -1 }).catch(() => "failed as it should");',
  ].join('\n');
  const suite = labSuite('runs-view', (root) => writeNotebook(root, 'runs.ipynb', [runsCell, 'runsView({ task: "stats" })']), {
    width: 1200,
    height: 900,
  });
  let lab: ILab;
  let page: Page;
  beforeAll(() => ({ lab, page } = suite));

  const rows = (): Promise<string[][]> =>
    page.$$eval('.tc-RunsView-row', (trs) =>
      trs.map((tr) => [...(tr as HTMLTableRowElement).cells].slice(1, 4).map((c) => c.textContent ?? '')),
    );

  it('lists the recorded runs, filters them, and compares two side by side', async () => {
    await openNotebook(page, lab, 'runs.ipynb');
    await runCell(page, 0);
    await runCell(page, 1);
    await page.waitForSelector('.tc-RunsView .tc-RunsView-row', { timeout: 60_000 });
    expect(await page.locator('.jp-OutputArea-output .tc-runs').count()).toBe(0);
    expect(await rows()).toEqual([
      ['stats', 'task', 'ERROR'],
      ['stats', 'task', 'SUCCESS'],
      ['stats', 'task', 'SUCCESS'],
    ]);

    await page.selectOption('.tc-RunsView-state', 'ERROR');
    expect(await rows()).toEqual([['stats', 'task', 'ERROR']]);
    await page.selectOption('.tc-RunsView-state', '');
    await page.fill('.tc-RunsView-search', 'nothing like this');
    expect(await rows()).toEqual([]);
    expect(await page.locator('.tc-RunsView-count').textContent()).toMatch(/^0 of 3 runs/);
    await page.fill('.tc-RunsView-search', 'stat');
    expect(await rows()).toHaveLength(3);

    // The two successes, newest (n = 5) second in the list.
    await page.locator('.tc-RunsView-row').nth(2).locator('.tc-RunsView-pick').check();
    await page.locator('.tc-RunsView-row').nth(1).locator('.tc-RunsView-pick').check();
    const compare = page.locator('.tc-RunsView-compare');
    await compare.locator('.tc-RunsView-section').first().waitFor();
    expect(await compare.locator('tr.tc-mod-differs[data-port="n"]').count()).toBe(1);
    expect(await compare.locator('tr[data-port="spec"]:not(.tc-mod-differs)').count()).toBe(1);
    const n = await compare.locator('tr[data-port="n"] .tc-RunsView-value').allTextContents();
    expect(n).toEqual(['2', '5']);
    // The table output renders as tables: 2 and 5 rows.
    const tables = compare.locator('tr[data-port="table"] .tc-RunsView-value table');
    expect(await tables.count()).toBe(2);
    expect(await tables.nth(0).locator('tbody tr').count()).toBe(2);
    expect(await tables.nth(1).locator('tbody tr').count()).toBe(5);
    // Timing bars: the longer run fills its bar.
    const widths = await compare.locator('.tc-RunsView-barFill').evaluateAll((els) => els.map((e) => (e as HTMLElement).style.width));
    expect(widths[1]).toBe('100%');
    expect(parseFloat(widths[0])).toBeLessThan(100);

    const output = page.locator('.jp-Cell').nth(1).locator('.jp-OutputArea');
    expect(await contrastViolations(page, '.tc-RunsView')).toEqual([]);
    await output.screenshot({ path: join(RESULTS, 'runs-view-light.png') });
    await setTheme(page, 'dark');
    expect(await contrastViolations(page, '.tc-RunsView')).toEqual([]);
    await output.screenshot({ path: join(RESULTS, 'runs-view-dark.png') });
    await setTheme(page, 'light');
    suite.pass();
  }, 240_000);
});
