/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * A run's result in real JupyterLab with the taskcell kernel, in Debian's Chromium driven by
 * playwright-core: the cell shows a job card whose outputs render by their declared types (a table
 * from CSV, a tree from Newick, a graph and a PNG image). Screenshots of the card in the light and
 * dark themes go to test-results/; the card's own text passes WCAG AA colour contrast (axe-core) in
 * both, and its graph fills the box it is given.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, contrastViolations, labSuite, openNotebook, runCell, setTheme, writeNotebook } from './jupyterlab';
import type { ILab } from './jupyterlab';

const RESULTS = join(ROOT, 'test-results');

/* eslint-disable @typescript-eslint/no-explicit-any -- cytoscape's instance on the graph's canvas box is untyped here */

/** The card's own text (its header and each output's title) and its graph view: the table and tree renderers are checked in their own specs. */
const CARD_TEXT =
  '.tc-JobViewRenderer-header, .tc-JobViewRenderer-outputTitle, .tc-JobViewRenderer-outputText, .tc-JobViewRenderer .tc-GraphRenderer';

const CELLS = [
  [
    'import { task, run, getRunner } from "taskcell";',
    '// A 96x64 gradient with a disc, as PNG bytes.',
    'const w = 96, h = 64;',
    'const rgba = new Uint8Array(w * h * 4);',
    'for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {',
    '  const i = 4 * (y * w + x), inside = (x - 60) ** 2 + (y - 30) ** 2 < 300;',
    '  rgba.set(inside ? [240, 180, 40, 255] : [30 + x * 2, 80 + y, 200 - x, 255], i);',
    '}',
    'const png = getRunner().formats.convert("image", "pil", "png", { width: w, height: h, channels: 4, data: rgba }) as Uint8Array;',
    'const survey = task({',
    '  name: "survey",',
    '  inputs: { n: "number" },',
    '  outputs: { counts: "table:csv", phylogeny: "tree:newick", contacts: "graph:adjacencylist", map: "image:png", total: "number" },',
    '}, ({ n }) => ({',
    '  counts: "species,count,site\\nwren,12,north\\nrobin,7,south\\nheron,3,lake\\n",',
    '  phylogeny: "((wren:1,robin:2)passerines:3,heron:4)birds;",',
    '  contacts: "wren robin\\nrobin heron\\nheron wren\\nheron egret\\n",',
    '  map: png,',
    '  total: n,',
    '}));',
  ].join('\n'),
  'await run(survey, { n: 22 }, { cache: false })',
];

describe('job card in JupyterLab', () => {
  const suite = labSuite('job-card', (root) => writeNotebook(root, 'card.ipynb', CELLS), { width: 1200, height: 1100 });
  let lab: ILab;
  let page: Page;
  beforeAll(() => ({ lab, page } = suite));

  it('renders a run result as a card with a table, a tree from Newick, a graph and an image, in light and dark themes', async () => {
    await openNotebook(page, lab, 'card.ipynb');
    await runCell(page, 0);
    await runCell(page, 1);

    const card = page.locator('.jp-Cell').nth(1).locator('.tc-JobViewRenderer');
    await card.waitFor();
    expect(await card.getAttribute('data-state')).toBe('SUCCESS');
    await expect(card.locator('.tc-JobViewRenderer-name').textContent()).resolves.toBe('survey');
    await expect(card.locator('.tc-JobViewRenderer-place').textContent()).resolves.toBe('in-process');
    const ports = await card.locator('.tc-JobViewRenderer-outputPort').allTextContents();
    expect(ports).toEqual(['counts', 'phylogeny', 'contacts', 'map', 'total']);
    const sections = card.locator('.tc-JobViewRenderer-output');
    // The table from CSV, with its header and rows.
    const table = sections.nth(0).locator('.tc-TableRenderer');
    await expect(table.locator('.tc-TableRenderer-name').allTextContents()).resolves.toEqual(
      expect.arrayContaining(['species', 'count', 'site']),
    );
    await expect(table.locator('.tc-TableRenderer-count').textContent()).resolves.toMatch(/^3 rows × 3 columns$/);
    // The tree from Newick, nested.
    await expect(sections.nth(1).locator('.tc-TreeRenderer-label').allTextContents()).resolves.toEqual([
      'birds',
      'passerines',
      'wren',
      'robin',
      'heron',
    ]);
    // The graph, drawn by the graph renderer on a canvas with one node per node.
    const graph = sections.nth(2).locator('.tc-GraphRenderer[data-tc-render-ms] .tc-GraphRenderer-canvas');
    await graph.waitFor();
    const drawn = await graph.evaluate((host) => {
      const cy = (host as HTMLElement & { tcGraph: any }).tcGraph;
      const bb = cy.nodes().renderedBoundingBox({ includeLabels: false });
      return { nodes: cy.nodes().length, fillW: bb.w / host.clientWidth, fillH: bb.h / host.clientHeight, width: host.clientWidth };
    });
    expect(drawn.nodes).toBe(4);
    // The graph fills its box, which spans the card, rather than sitting small in its middle.
    expect(drawn.width).toBeGreaterThan(600);
    expect(drawn.fillW).toBeGreaterThan(0.7);
    expect(drawn.fillH).toBeGreaterThan(0.5);
    // The PNG image, decoded by the browser at its size.
    const size = await sections
      .nth(3)
      .locator('img')
      .evaluate((img: HTMLImageElement) => (img.complete ? [img.naturalWidth, img.naturalHeight] : []));
    expect(size).toEqual([96, 64]);
    await expect(sections.nth(4).locator('pre').textContent()).resolves.toBe('22');

    await card.scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    expect(await contrastViolations(page, CARD_TEXT)).toEqual([]);
    await card.screenshot({ path: join(RESULTS, 'job-card-light.png') });
    await setTheme(page, 'dark');
    await page.waitForFunction(
      () => {
        const el = document.querySelector('.tc-JobViewRenderer') as Element;
        const [r, g, b] = (getComputedStyle(el).backgroundColor.match(/\d+/g) ?? []).map(Number);
        return document.body.dataset.jpThemeLight === 'false' && r + g + b < 200;
      },
      null,
      { timeout: 30_000 },
    );
    // The text of the card follows the theme too.
    const [r, g, b] = await card.evaluate((el) => (getComputedStyle(el).color.match(/\d+/g) ?? []).map(Number));
    expect(r + g + b).toBeGreaterThan(400);
    await page.waitForTimeout(500);
    expect(await contrastViolations(page, CARD_TEXT)).toEqual([]);
    await card.screenshot({ path: join(RESULTS, 'job-card-dark.png') });
    suite.pass();
  }, 300_000);
});
