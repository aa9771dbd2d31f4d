/// <reference lib="dom" />
/**
 * The Tasks panel at 250 px in a real JupyterLab with two notebooks: whole names, the whole DAG,
 * the "this notebook" filter, jump to the cell that started a job, a cache-hit badge on a re-run,
 * the true place of a Python step, and colour contrast in the light and dark themes.
 */
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { ROOT, contrastViolations, labSuite, openNotebook, runCell, setTheme, writeNotebook } from './jupyterlab';

const RESULTS = join(ROOT, 'test-results');
const LONG = 'mean-word-length-of-every-sentence';
const WORKFLOW = 'word-statistics-for-a-long-corpus';
const PANEL = '.tc-Panel';

/* eslint-disable @typescript-eslint/no-explicit-any -- the page's `window.jupyterapp` is JupyterLab's untyped global */
type AnyWindow = { jupyterapp: any };

const setup = `import { task, workflow, run } from "taskcell";
const words = task({ name: "${LONG}", inputs: { text: "string" }, outputs: { n: "number" } }, ({ text }) => text.split(" ").length);
const twice = task({ name: "count-distinct-words", inputs: { n: "number" }, outputs: { m: "number" } }, ({ n }) => n * 2);
const plus = task({ name: "summarize-everything", inputs: { m: "number" }, outputs: { s: "number" } }, ({ m }) => m + 1);
const wf = workflow("${WORKFLOW}")
  .step("mean-word-length", words)
  .step("count-distinct-words", twice)
  .step("summarize-everything", plus)
  .connect("mean-word-length.n", "count-distinct-words.n")
  .connect("count-distinct-words.m", "summarize-everything.m");
const square = {
  name: "python-square",
  mode: "python",
  script: "y = x * x",
  inputs: [{ name: "x", type: "number", format: "number" }],
  outputs: [{ name: "y", type: "number", format: "number" }],
};
const pywf = workflow("python-place").step("square", square);`;

describe('Tasks panel with two notebooks at 250 px', () => {
  const suite = labSuite(
    'panel-notebooks',
    (root) => {
      writeNotebook(root, 'first.ipynb', [
        setup,
        `await run(wf, { text: "the cat saw the dog" }, { cache: false });`,
        `await run(words, { text: "a cached sentence" });`,
        `await run(pywf, { x: 7 }, { cache: false });`,
      ]);
      writeNotebook(root, 'second.ipynb', [setup, `await run(twice, { n: 21 }, { cache: false });`]);
    },
    { width: 1200, height: 900 },
  );

  const row = (name: string | RegExp): Locator =>
    suite.page
      .locator(`${PANEL}-list > .tc-Panel-row:not([hidden])`)
      .filter({ has: suite.page.locator(':scope > .tc-Panel-rowSummary > .tc-Panel-name', { hasText: name }) });

  /** Bring `path` to the front (opening it if needed) and wait until its kernel is idle. */
  async function focus(path: string): Promise<void> {
    await suite.page.evaluate(
      (p) => void (window as unknown as AnyWindow).jupyterapp.commands.execute('docmanager:open', { path: p }),
      path,
    );
    await suite.page.waitForFunction(
      (p) => {
        const w = (window as unknown as AnyWindow).jupyterapp.shell.currentWidget;
        return w?.context?.path === p && w.sessionContext?.session?.kernel?.status === 'idle' && w.content?.widgets?.length > 0;
      },
      path,
      { timeout: 90_000 },
    );
  }

  it('shows whole names and the whole DAG, filters by notebook, jumps to cells, marks cache hits and python steps, in both themes', async () => {
    const { page, lab } = suite;
    await openNotebook(page, lab, 'first.ipynb');
    await focus('second.ipynb');
    await runCell(page, 0);
    await runCell(page, 1);
    await focus('first.ipynb');
    await page.evaluate(() => (window as unknown as AnyWindow).jupyterapp.commands.execute('taskcell:open-tasks'));
    await page.waitForSelector(PANEL, { state: 'visible' });
    // The right sidebar at 250 px.
    await page.evaluate(() => {
      const shell = (window as unknown as AnyWindow).jupyterapp.shell;
      const split = shell._hsplitPanel;
      const total = split.node.getBoundingClientRect().width;
      split.setRelativeSizes([0, total - 250, 250]);
    });
    await page.waitForFunction(
      (sel) => Math.abs((document.querySelector(sel) as HTMLElement).getBoundingClientRect().width - 250) < 12,
      PANEL,
    );
    for (const i of [0, 1, 2, 2, 3]) await runCell(page, i);

    // This notebook: only first.ipynb's jobs; all notebooks: second's too, with its notebook named.
    await row(WORKFLOW).waitFor();
    expect(await row('count-distinct-words').count()).toBe(0);
    await page.selectOption(`${PANEL}-scope`, 'all');
    await row('count-distinct-words').waitFor();
    expect(await row('count-distinct-words').locator('.tc-Panel-notebook').textContent()).toBe('second.ipynb');
    await page.selectOption(`${PANEL}-scope`, 'notebook');
    await row('count-distinct-words').waitFor({ state: 'detached' });
    expect(await row(WORKFLOW).locator('.tc-Panel-notebook').textContent()).toBe('first.ipynb');

    // A re-run served from the cache shows the badge; the first run does not.
    const cachedRuns = row(new RegExp(`^${LONG}$`));
    await page.waitForFunction(
      (name) =>
        [...document.querySelectorAll('.tc-Panel-list > .tc-Panel-row')].filter(
          (r) => r.querySelector('.tc-Panel-name')?.textContent === name && (r as HTMLElement).dataset.state === 'SUCCESS',
        ).length === 2,
      LONG,
    );
    expect(await cachedRuns.locator('.tc-Panel-cached:not([hidden])').count()).toBe(1);
    expect(await cachedRuns.first().locator('.tc-Panel-cached').isVisible()).toBe(true);

    // The python step's true place; a finished job without progress shows no bar.
    const py = row('python-place');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.tc-Panel-list > .tc-Panel-row')].some(
        (r) => r.querySelector('.tc-Panel-name')?.textContent === 'python-place' && (r as HTMLElement).dataset.state === 'SUCCESS',
      ),
    );
    await py.locator('.tc-Panel-rowSummary').first().click();
    const step = py.locator('.tc-Panel-steps > .tc-Panel-row').first();
    await step.waitFor();
    expect(await step.locator('.tc-Panel-place').textContent()).toBe('python');
    expect(await step.locator('.tc-Panel-progress').isVisible()).toBe(false);

    // Whole names: each name is inside the panel's box, or its title holds it whole.
    const wf = row(WORKFLOW);
    await wf.locator('.tc-Panel-rowSummary').first().click();
    await wf.locator('.tc-Panel-dagNode').first().waitFor();
    const layout = await page.evaluate((sel) => {
      const panel = (document.querySelector(sel) as HTMLElement).getBoundingClientRect();
      const inside = (b: DOMRect): boolean => b.left >= panel.left - 0.5 && b.right <= panel.right + 0.5;
      const names = [...document.querySelectorAll(`${sel} .tc-Panel-name`)].map((n) => {
        const el = n as HTMLElement;
        return {
          text: el.textContent ?? '',
          whole: inside(el.getBoundingClientRect()) && el.scrollWidth <= el.clientWidth + 1,
          title: el.title.split('\n')[0],
        };
      });
      const nodes = [...document.querySelectorAll(`${sel} .tc-Panel-dagNode`)].map((n) => ({
        step: (n as SVGGElement).dataset.step,
        inside: inside((n as SVGGElement).getBoundingClientRect()),
      }));
      return { width: panel.width, names, nodes };
    }, PANEL);
    expect(layout.width).toBeLessThanOrEqual(262);
    for (const n of layout.names) {
      expect(n.whole || n.title === n.text).toBe(true);
      expect(n.title).toBe(n.text);
    }
    expect(layout.names.map((n) => n.text)).toEqual(expect.arrayContaining([WORKFLOW, LONG]));
    // Every node of both expanded workflows lies inside the panel (the three-step DAG scaled to fit).
    expect(layout.nodes.map((n) => n.step).sort()).toEqual(['count-distinct-words', 'mean-word-length', 'square', 'summarize-everything']);
    expect(layout.nodes.filter((n) => !n.inside)).toEqual([]);

    // Screenshots and colour contrast, light and dark.
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme);
      await page.locator(PANEL).screenshot({ path: join(RESULTS, `panel-notebooks-250px-${theme}.png`) });
      expect(await contrastViolations(page, PANEL)).toEqual([]);
    }
    await setTheme(page, 'light');

    // Jump to the cell that started second.ipynb's job: its notebook comes to the front with that cell active.
    await page.selectOption(`${PANEL}-scope`, 'all');
    await row('count-distinct-words').locator('.tc-Panel-jump').first().click();
    await page.waitForFunction(() => {
      const w = (window as unknown as AnyWindow).jupyterapp.shell.currentWidget;
      return w?.context?.path === 'second.ipynb' && w.content.activeCellIndex === 1;
    });
    // And back to first.ipynb's cached run (cell 2).
    await row(new RegExp(`^${LONG}$`))
      .last()
      .locator('.tc-Panel-jump')
      .click();
    await page.waitForFunction(() => {
      const w = (window as unknown as AnyWindow).jupyterapp.shell.currentWidget;
      return w?.context?.path === 'first.ipynb' && w.content.activeCellIndex === 2;
    });
    suite.pass();
  }, 400_000);
});
