/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The tree, image and table renderers end to end: cells of the taskcell kernel in a real
 * JupyterLab from the project venv, in Debian's Chromium driven by playwright-core. A 10,000-leaf
 * tree renders with taskcell's renderer (not its HTML fallback), a clade collapses on click (its
 * leaves leave the DOM, the row shows the leaf count) and expands again, and from the keyboard; an
 * image shows fitted to the output's width and at 1:1 with its pixel size, in a cell and in a job
 * card, while a bare image/png output keeps JupyterLab's renderer; a table shows a type badge in
 * each header and filters a column as the user types. Each is screenshot in the light and dark
 * themes (test-results/) and passes axe-core's WCAG AA colour-contrast rule in both.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { ROOT, contrastViolations, labSuite, openNotebook, runCell, setTheme, writeNotebook } from './jupyterlab';
import type { ILab } from './jupyterlab';

const RESULTS = join(ROOT, 'test-results');

/** A 10,000-leaf tree with branch lengths: clades of ten split in two, leaves t0 ... t9999. */
const TREE_CELL = [
  'import { display } from "taskcell";',
  'let seed = 11;',
  'const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);',
  'type TreeNode = { node_data: Record<string, unknown>; edge_data?: Record<string, unknown>; children?: TreeNode[] };',
  'let next = 0;',
  'function clade(lo: number, hi: number, depth: number): TreeNode {',
  '  const edge_data = { weight: Math.round((0.02 + rand() * 0.2) * 1000) / 1000 };',
  '  if (hi - lo === 1) return { node_data: { "node name": "t" + lo }, edge_data };',
  '  const mid = lo + Math.max(1, Math.floor((hi - lo) * (0.3 + rand() * 0.4)));',
  '  return { node_data: { "node name": depth < 3 ? "clade" + next++ : "" }, edge_data, children: [clade(lo, mid, depth + 1), clade(mid, hi, depth + 1)] };',
  '}',
  'const tree = clade(0, 10000, 0);',
  'delete tree.edge_data;',
  'display.tree(tree);',
].join('\n');

/** A 1600×300 PNG (wider than the output area), shown with `display.image`. */
const IMAGE_CELL = [
  'import { display } from "taskcell";',
  'const w = 1600, h = 300;',
  'const data = new Uint8Array(w * h * 4);',
  'for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x % 256, (y * 3) % 256, 160, 255], 4 * (y * w + x));',
  'display.image({ width: w, height: h, channels: 4, data }, { alt: "gradient" });',
].join('\n');

/** A task whose output is an image: its job card draws it with the image renderer. */
const IMAGE_TASK_CELL = [
  'import { task, run } from "taskcell";',
  'const paint = task({ name: "paint", outputs: { picture: "image" } }, () => {',
  '  const w = 120, h = 80, data = new Uint8Array(w * h * 4);',
  '  for (let i = 0; i < w * h; i++) data.set([200, (i % w) * 2, 60, 255], 4 * i);',
  '  return { picture: { width: w, height: h, channels: 4, data } };',
  '});',
  'await run(paint, {}, { cache: false })',
].join('\n');

/** A bare `image/png` output, as other libraries show images: JupyterLab's own renderer draws it. */
const PLAIN_IMAGE_CELL = [
  'import { display, getRunner } from "taskcell";',
  'const png = getRunner().formats.convert("image", "pil", "png", { width: 40, height: 20, channels: 4, data: new Uint8Array(3200).fill(200) }) as Uint8Array;',
  'display.bundle({ "image/png": Buffer.from(png).toString("base64") });',
].join('\n');

/** A table with a column of each type. */
const TABLE_CELL = [
  'import { display } from "taskcell";',
  'const cities = ["Lyon", "Paris", "Nantes", "Lille", "Nice", "Brest", "Dijon", "Metz"];',
  'display.table(Array.from({ length: 400 }, (_, i) => ({',
  '  city: cities[i % 8] + " " + i,',
  '  population: 1000 * ((i * 37) % 500),',
  '  coastal: i % 3 === 0,',
  '  surveyed: `20${10 + (i % 15)}-0${1 + (i % 9)}-1${i % 10}`,',
  '  note: i % 2 ? "n" + i : i,',
  '})));',
].join('\n');

describe('tree, image and table renderers in JupyterLab', () => {
  const suite = labSuite(
    'renderers',
    (root) => writeNotebook(root, 'renderers.ipynb', [TREE_CELL, IMAGE_CELL, TABLE_CELL, IMAGE_TASK_CELL, PLAIN_IMAGE_CELL]),
    { width: 1200, height: 1000 },
  );
  let lab: ILab;
  let page: Page;
  beforeAll(() => ({ lab, page } = suite));

  const cell = (i: number): Locator => page.locator('.jp-Notebook .jp-Cell').nth(i);

  /** Run cell `index` and wait for its output drawn by the renderer of class `renderer`. */
  async function rendered(index: number, renderer: string, timeout = 90_000): Promise<{ out: Locator; view: Locator }> {
    await runCell(page, index, timeout);
    const out = cell(index).locator('.jp-OutputArea-child');
    const view = out.locator(`.${renderer}`);
    await view.waitFor({ timeout: 60_000 });
    return { out, view };
  }

  /** Screenshots of `target` in both themes, and axe-core's colour-contrast violations inside `selector` in each. */
  async function bothThemes(target: Locator, selector: string, name: string): Promise<void> {
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme);
      await target.scrollIntoViewIfNeeded();
      await target.screenshot({ path: join(RESULTS, `renderers-${name}-${theme}.png`) });
      expect({ theme, violations: await contrastViolations(page, selector) }).toEqual({ theme, violations: [] });
    }
    await setTheme(page, 'light');
  }

  it('renders a 10,000-leaf tree with its own renderer, collapses and expands a clade by click and keyboard', async () => {
    await openNotebook(page, lab, 'renderers.ipynb');
    const { out, view: tree } = await rendered(0, 'tc-TreeRenderer', 180_000);
    // taskcell's renderer, not the HTML fallback the bundle also carries.
    expect(await out.locator('.jp-RenderedHTMLCommon').count()).toBe(0);
    await expect(tree.locator('.tc-TreeRenderer-summary').textContent()).resolves.toBe('10,000 leaves, 19,999 nodes');
    expect(Number(await tree.getAttribute('data-tc-render-ms'))).toBeGreaterThan(0);
    const rowCount = async (): Promise<number> => Number(await tree.getAttribute('data-tc-rows'));
    expect(await rowCount()).toBe(19_999);
    // Only the rows in view are in the DOM.
    expect(await tree.locator('.tc-TreeRenderer-row').count()).toBeLessThan(80);
    // Branch lengths to scale: every branch drawn spans its length at the scale bar's pixels per unit.
    const { perUnit, branches } = await tree.evaluate((el) => {
      const bar = el.querySelector('.tc-TreeRenderer-scale') as HTMLElement;
      const line = bar.querySelector('.tc-TreeRenderer-scaleLine') as HTMLElement;
      return {
        perUnit: line.getBoundingClientRect().width / Number(bar.textContent),
        branches: [...el.querySelectorAll<HTMLElement>('.tc-TreeRenderer-row')].slice(1).map((r) => ({
          length: Number(r.querySelector('.tc-TreeRenderer-length')?.textContent),
          width: (r.querySelector('.tc-TreeRenderer-branch') as HTMLElement).getBoundingClientRect().width,
        })),
      };
    });
    expect(perUnit).toBeGreaterThan(50);
    expect(branches.length).toBeGreaterThan(10);
    for (const b of branches) expect(Math.abs(b.width - b.length * perUnit)).toBeLessThanOrEqual(2 + 0.02 * b.length * perUnit);

    // The first clade under the root holds the leaves at the top of the view.
    const clade = tree.locator('.tc-TreeRenderer-row', { has: page.locator('.tc-TreeRenderer-label', { hasText: /^clade1$/ }) });
    const firstLeaf = tree.locator('.tc-TreeRenderer-label', { hasText: /^t0$/ });
    await expect(firstLeaf.count()).resolves.toBe(1);
    await expect(clade.getAttribute('aria-expanded')).resolves.toBe('true');
    await clade.click();
    await expect(clade.getAttribute('aria-expanded')).resolves.toBe('false');
    const count = await clade.locator('.tc-TreeRenderer-count').textContent();
    const leaves = Number(/^([\d,]+) leaves$/.exec(count ?? '')?.[1].replace(/,/g, ''));
    expect(leaves).toBeGreaterThan(100);
    // Its leaves left the DOM, and 2 × leaves − 2 rows left the tree.
    await expect(firstLeaf.count()).resolves.toBe(0);
    expect(await rowCount()).toBe(19_999 - (2 * leaves - 2));
    await bothThemes(tree, '.jp-OutputArea-child .tc-TreeRenderer', 'tree-collapsed');
    await clade.click();
    await expect(firstLeaf.count()).resolves.toBe(1);
    expect(await rowCount()).toBe(19_999);

    // The keyboard: the tree takes focus; Home, ArrowDown to the clade, ArrowLeft closes, ArrowRight opens.
    const treeEl = tree.locator('[role="tree"]');
    await treeEl.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    const active = (): Promise<string | null> =>
      treeEl.evaluate(
        (el) =>
          document.getElementById(el.getAttribute('aria-activedescendant') ?? '')?.querySelector('.tc-TreeRenderer-label')?.textContent ??
          null,
      );
    await expect(active()).resolves.toBe('clade1');
    await page.keyboard.press('ArrowLeft');
    await expect(clade.getAttribute('aria-expanded')).resolves.toBe('false');
    await expect(firstLeaf.count()).resolves.toBe(0);
    await page.keyboard.press('ArrowRight');
    await expect(clade.getAttribute('aria-expanded')).resolves.toBe('true');
    await expect(firstLeaf.count()).resolves.toBe(1);
    // The keys went to the tree, not to the notebook's command mode: the same cell is active, and the tree has focus.
    const notebook = await page.evaluate(() => {
      /* eslint-disable-next-line @typescript-eslint/no-explicit-any -- JupyterLab's untyped global */
      const nb = (window as unknown as { jupyterapp: any }).jupyterapp.shell.currentWidget.content;
      return { active: nb.activeCellIndex, cells: nb.widgets.length, focus: document.activeElement?.getAttribute('role') };
    });
    expect(notebook).toEqual({ active: 0, cells: 5, focus: 'tree' });
    await bothThemes(tree, '.jp-OutputArea-child .tc-TreeRenderer', 'tree');
    suite.pass();
  }, 300_000);

  it('shows an image fitted to the output width and at 1:1, with its pixel size', async () => {
    const { out, view: image } = await rendered(1, 'tc-ImageRenderer');
    // taskcell's renderer, not JupyterLab's image/png one.
    expect(await out.locator('.jp-RenderedImage').count()).toBe(0);
    await expect(image.locator('.tc-ImageRenderer-size').textContent()).resolves.toBe('1600 × 300 px');
    const img = image.locator('img');
    const shown = (): Promise<{ width: number; natural: number; box: number }> =>
      img.evaluate((el: HTMLImageElement) => ({
        width: el.getBoundingClientRect().width,
        natural: el.naturalWidth,
        box: (el.closest('.tc-ImageRenderer') as HTMLElement).clientWidth,
      }));
    const fit = await shown();
    expect(fit.natural).toBe(1600);
    expect(fit.width).toBeLessThanOrEqual(fit.box);
    expect(fit.width).toBeLessThan(1600);
    await expect(image.locator('button', { hasText: 'Fit' }).getAttribute('aria-pressed')).resolves.toBe('true');
    await bothThemes(image, '.jp-OutputArea-child .tc-ImageRenderer', 'image-fit');
    await image.locator('button', { hasText: '1:1' }).click();
    const actual = await shown();
    expect(actual.width).toBe(1600);
    await expect(image.locator('button', { hasText: '1:1' }).getAttribute('aria-pressed')).resolves.toBe('true');
    // The frame scrolls to show the rest.
    expect(await image.locator('.tc-ImageRenderer-frame').evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    await bothThemes(image, '.jp-OutputArea-child .tc-ImageRenderer', 'image-1to1');
    await image.locator('button', { hasText: 'Fit' }).click();
    expect((await shown()).width).toBeLessThan(1600);
    // An output with only image/png keeps JupyterLab's image renderer.
    await runCell(page, 4);
    const plain = cell(4).locator('.jp-OutputArea-child');
    await plain.locator('.jp-RenderedImage img').waitFor();
    expect(await plain.locator('.tc-ImageRenderer').count()).toBe(0);
    suite.pass();
  }, 180_000);

  it("draws a run's image output in its job card with the image renderer", async () => {
    await runCell(page, 3);
    const card = cell(3).locator('.tc-JobViewRenderer');
    await card.waitFor();
    const image = card.locator('.tc-JobViewRenderer-output .tc-ImageRenderer');
    await image.waitFor();
    await expect(image.locator('.tc-ImageRenderer-size').textContent()).resolves.toBe('120 × 80 px');
    suite.pass();
  }, 120_000);

  it('shows a type badge in each table header and filters a column as the user types', async () => {
    const { out, view: table } = await rendered(2, 'tc-TableRenderer');
    expect(await out.locator('.jp-RenderedHTMLCommon').count()).toBe(0);
    await expect(table.locator('.tc-TableRenderer-name').allTextContents()).resolves.toEqual([
      'city',
      'population',
      'coastal',
      'surveyed',
      'note',
    ]);
    await expect(table.locator('.tc-TableRenderer-badge').allTextContents()).resolves.toEqual([
      'string',
      'number',
      'boolean',
      'date',
      'mixed',
    ]);
    const count = table.locator('.tc-TableRenderer-count');
    await expect(count.textContent()).resolves.toBe('400 rows × 5 columns');
    // Text contains, typed key by key (the notebook's single-key shortcuts stay out of it).
    await table.locator('.tc-TableRenderer-filter[data-filter="city"]').pressSequentially('lyon');
    await page.waitForFunction(() => /^50 of 400/.test(document.querySelector('.tc-TableRenderer-count')?.textContent ?? ''));
    const cities = await table
      .locator('.tc-TableRenderer-row')
      .evaluateAll((rows) => rows.map((r) => r.firstElementChild?.textContent ?? ''));
    expect(cities.length).toBeGreaterThan(5);
    for (const c of cities) expect(c).toMatch(/^Lyon \d+$/);
    // A comparison on a number column, combined.
    const population = table.locator('.tc-TableRenderer-filter[data-filter="population"]');
    await population.fill('>= 400000');
    await page.waitForFunction(
      () =>
        /^\d+ of 400/.test(document.querySelector('.tc-TableRenderer-count')?.textContent ?? '') &&
        !/^50 of/.test(document.querySelector('.tc-TableRenderer-count')?.textContent ?? ''),
    );
    const pops = await table.locator('.tc-TableRenderer-row').evaluateAll((rows) => rows.map((r) => Number(r.children[1]?.textContent)));
    expect(pops.length).toBeGreaterThan(0);
    for (const p of pops) expect(p).toBeGreaterThanOrEqual(400_000);
    await bothThemes(table, '.jp-OutputArea-child .tc-TableRenderer', 'table-filtered');
    // A filter that does not parse is marked and leaves its column unfiltered.
    await population.fill('>= lots');
    await page.waitForFunction(
      () => document.querySelector('.tc-TableRenderer-filter[data-filter="population"]')?.getAttribute('aria-invalid') === 'true',
    );
    await expect(count.textContent()).resolves.toBe('50 of 400 rows × 5 columns');
    await expect(population.getAttribute('title')).resolves.toMatch(/^Expected a number, .* got `>= lots`$/);
    suite.pass();
  }, 180_000);
});
