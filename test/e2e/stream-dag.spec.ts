/// <reference lib="dom" />
/**
 * A streaming edge in the Tasks panel's DAG, in a real JupyterLab: dashed and in its own colour, its
 * dashes moving only while both its steps run, in the light and dark themes (screenshots in
 * test-results/).
 */
import { join } from 'node:path';
import { ROOT, labSuite, openNotebook, runCell, setTheme, startCell, writeNotebook } from './jupyterlab';

const RESULTS = join(ROOT, 'test-results');
const PANEL = '.tc-Panel';

/* eslint-disable @typescript-eslint/no-explicit-any -- the page's `window.jupyterapp` is JupyterLab's untyped global */
type AnyWindow = { jupyterapp: any };

const setup = `import { task, workflow, run } from "taskcell";
const ticks = task({ name: "ticks", inputs: {}, outputs: { items: { type: "number", stream: true } } }, () =>
  (async function* () {
    for (let i = 0; i < 80; i++) {
      await new Promise((r) => setTimeout(r, 150));
      yield i;
    }
  })(),
);
const total = task({ name: "total", inputs: { items: { type: "number", stream: true } }, outputs: { sum: "number" } }, async ({ items }) => {
  let sum = 0;
  for await (const x of items) sum += x;
  return sum;
});
const after = task({ name: "after", inputs: { sum: "number" }, outputs: { y: "number" } }, ({ sum }) => sum + 1);
const wf = workflow("live-stream").step("ticks", ticks).step("total", total).step("after", after)
  .connect("ticks.items", "total.items").connect("total.sum", "after.sum");`;

describe('a streaming edge in the Tasks panel', () => {
  const suite = labSuite('stream-dag', (root) => writeNotebook(root, 'stream.ipynb', [setup, `await run(wf, {}, { cache: false });`]), {
    width: 1200,
    height: 800,
  });

  it('is dashed, moves while both its steps run, in both themes', async () => {
    const { page, lab } = suite;
    await openNotebook(page, lab, 'stream.ipynb');
    await page.evaluate(() => (window as unknown as AnyWindow).jupyterapp.commands.execute('taskcell:open-tasks'));
    await page.waitForSelector(PANEL, { state: 'visible' });
    await runCell(page, 0);
    await startCell(page, 1);
    const row = page
      .locator(`${PANEL}-list > .tc-Panel-row`)
      .filter({ has: page.locator(':scope > .tc-Panel-rowSummary > .tc-Panel-name', { hasText: 'live-stream' }) });
    await row.waitFor({ timeout: 60_000 });
    await row.locator('.tc-Panel-rowSummary').first().click();
    const live = row.locator('.tc-Panel-dagEdge.tc-mod-streaming.tc-mod-live');
    // Attached, not visible: a straight edge's box has no height, which Playwright counts as hidden.
    await live.waitFor({ state: 'attached', timeout: 30_000 });
    // One streaming edge (ticks -> total), one plain (total -> after).
    expect(await row.locator('.tc-Panel-dagEdge.tc-mod-streaming').count()).toBe(1);
    expect(await row.locator('.tc-Panel-dagEdge:not(.tc-mod-streaming)').count()).toBe(1);
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme);
      const style = await live.evaluate((el) => {
        const s = getComputedStyle(el);
        const plain = getComputedStyle(el.parentElement!.querySelector('.tc-Panel-dagEdge:not(.tc-mod-streaming)')!);
        return { dash: s.strokeDasharray, animation: s.animationName, stroke: s.stroke, plainStroke: plain.stroke };
      });
      expect(style.dash).not.toBe('none');
      expect(style.animation).toBe('tc-dag-stream');
      expect(style.stroke).not.toBe(style.plainStroke);
      await row.screenshot({ path: join(RESULTS, `stream-dag-live-${theme}.png`) });
    }
    // Once the workflow is done the edge stays dashed but no longer moves.
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.tc-Panel-list > .tc-Panel-row')].some(
          (r) => r.querySelector('.tc-Panel-name')?.textContent === 'live-stream' && (r as HTMLElement).dataset.state === 'SUCCESS',
        ),
      null,
      { timeout: 60_000 },
    );
    await live.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await row.locator('.tc-Panel-dagEdge.tc-mod-streaming').count()).toBe(1);
    await setTheme(page, 'light');
    suite.pass();
  }, 240_000);
});
