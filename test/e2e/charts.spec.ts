/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Charts end to end: `display.vega` in a real JupyterLab from the project venv, on the taskcell
 * kernel, in Debian's Chromium driven by playwright-core. The chart is drawn by the extension's
 * Vega renderer (not the bundle's HTML fallback), in the light theme and again in the dark one
 * after a live theme switch, with no Vega version warning; its text passes WCAG AA colour contrast
 * in both themes (axe-core for its HTML, and each SVG text's fill against the chart's background,
 * which axe-core does not check). Screenshots go to test-results/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { contrastRatio } from './contrast';
import { ROOT, contrastViolations, labSuite, openNotebook, setTheme, writeNotebook } from './jupyterlab';
import type { ILab } from './jupyterlab';

const RESULTS = join(ROOT, 'test-results');

/* eslint-disable @typescript-eslint/no-explicit-any -- the page's `window.jupyterapp` is JupyterLab's untyped global */
type AnyWindow = { jupyterapp: any };

/** Seven bars, as the getting-started example draws word counts. */
const WORDS = { the: 4, cat: 2, sat: 1, on: 1, mat: 1, and: 3, dog: 2 };

/** What the page reports about the drawn chart. */
interface IDrawn {
  bars: number;
  theme: string | undefined;
  background: string;
  labelFill: string | null;
  fallbackShown: boolean;
}

describe('Vega-Lite charts in JupyterLab', () => {
  const source = [
    'import { display } from "taskcell";',
    `const counts: Record<string, number> = ${JSON.stringify(WORDS)};`,
    'display.vega({',
    '  title: "word counts",',
    '  data: { values: Object.entries(counts).map(([word, count]) => ({ word, count })) },',
    '  mark: "bar",',
    '  encoding: { x: { field: "word", type: "nominal", sort: null }, y: { field: "count", type: "quantitative" } },',
    '});',
  ].join('\n');
  const suite = labSuite('charts', (root) => writeNotebook(root, 'charts.ipynb', [source]), { width: 1200, height: 800 });
  let lab: ILab;
  let page: Page;
  beforeAll(() => ({ lab, page } = suite));

  /** The chart as the page shows it once the renderer has drawn it in `theme`. */
  async function drawn(theme: 'light' | 'dark'): Promise<IDrawn> {
    await page.waitForSelector(`.tc-VegaRenderer[data-tc-theme="${theme}"] .mark-rect path`, { timeout: 60_000 });
    return page.evaluate(() => {
      const chart = document.querySelector('.tc-VegaRenderer') as HTMLElement;
      return {
        bars: chart.querySelectorAll('.mark-rect path').length,
        theme: chart.dataset.tcTheme,
        // Vega's SVG renderer paints the background as the root element's style.
        background: getComputedStyle(chart.querySelector('.vega-embed svg') as Element).backgroundColor,
        labelFill: chart.querySelector('.role-axis-label text')?.getAttribute('fill') ?? null,
        fallbackShown: document.querySelector('.jp-OutputArea-output .tc-vega') !== null,
      };
    });
  }

  /** The lowest contrast of the chart's SVG texts (title, axis labels and titles) with its background, and that text. */
  async function lowestTextContrast(): Promise<{ ratio: number; text: string }> {
    const texts = await page.evaluate(() => {
      const svg = document.querySelector('.tc-VegaRenderer .vega-embed svg') as SVGElement;
      const background = getComputedStyle(svg).backgroundColor;
      return [...svg.querySelectorAll('text')]
        .filter((t) => (t.textContent ?? '').trim() !== '')
        .map((t) => ({ text: t.textContent ?? '', fill: getComputedStyle(t).fill, background }));
    });
    expect(texts.length).toBeGreaterThan(Object.keys(WORDS).length);
    return texts
      .map((t) => ({ ratio: contrastRatio(t.fill, t.background), text: t.text }))
      .reduce((low, t) => (t.ratio < low.ratio ? t : low));
  }

  /** The luminance of a `#rrggbb`, `#rgb` or `rgb(r, g, b)` colour, 0 (black) to 1 (white); NaN for anything else. */
  function luminance(color: string | null): number {
    const c = color ?? '';
    const h = c.replace('#', '');
    const full = h.length === 3 ? [...h].map((d) => d + d).join('') : h;
    const rgb = c.startsWith('rgb')
      ? (c.match(/\d+/g) ?? []).slice(0, 3).map(Number)
      : c.startsWith('#')
        ? [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16))
        : [NaN, NaN, NaN];
    const [r, g, b] = rgb.map((v) => v / 255);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  it('draws the bars with vega-embed in the light theme and again in the dark one, exports SVG and PNG, warns of no version', async () => {
    await openNotebook(page, lab, 'charts.ipynb');
    await page.evaluate(() => {
      const app = (window as unknown as AnyWindow).jupyterapp;
      app.shell.currentWidget.content.activeCellIndex = 0;
      void app.commands.execute('notebook:run-cell');
    });

    const light = await drawn('light');
    expect(light).toMatchObject({ bars: Object.keys(WORDS).length, theme: 'light', fallbackShown: false });
    expect(luminance(light.labelFill)).toBeLessThan(0.5);
    expect(luminance(light.background)).toBeGreaterThan(0.5);
    const cell = page.locator('.jp-Cell').first();
    expect(await contrastViolations(page, '.tc-VegaRenderer')).toEqual([]);
    expect((await lowestTextContrast()).ratio).toBeGreaterThanOrEqual(4.5);
    await cell.screenshot({ path: join(RESULTS, 'charts-light.png') });

    // The chart's menu offers the exports.
    await page.click('.tc-VegaRenderer .vega-actions-wrapper > summary, .tc-VegaRenderer details > summary');
    const actions = await page.locator('.tc-VegaRenderer .vega-actions a').allTextContents();
    expect(actions).toEqual(expect.arrayContaining(['Save as SVG', 'Save as PNG']));
    await page.keyboard.press('Escape');
    await page.click('.jp-Notebook', { position: { x: 5, y: 5 } });

    // A live theme switch re-embeds the chart with Vega's dark theme.
    await setTheme(page, 'dark');
    const dark = await drawn('dark');
    expect(dark).toMatchObject({ bars: Object.keys(WORDS).length, theme: 'dark', fallbackShown: false });
    expect(luminance(dark.labelFill)).toBeGreaterThan(0.5);
    expect(luminance(dark.background)).toBeLessThan(0.5);
    await page.waitForTimeout(500);
    expect(await contrastViolations(page, '.tc-VegaRenderer')).toEqual([]);
    expect((await lowestTextContrast()).ratio).toBeGreaterThanOrEqual(4.5);
    await cell.screenshot({ path: join(RESULTS, 'charts-dark.png') });

    expect(suite.browser.log.filter((l) => /version|vega/i.test(l) && /warn|error/i.test(l))).toEqual([]);
    suite.pass();
  }, 240_000);
});
