/// <reference lib="dom" />
/**
 * Re-running a workflow from its DAG in a real JupyterLab: a node of the Tasks panel's DAG, reached
 * by keyboard, offers "Re-run this step"; the context menu of another offers "Re-run from here".
 * Each asks the kernel, which runs only those steps (the task bodies count their calls) and serves
 * the others from its run records; the new job appears in the panel with its served steps marked.
 * Screenshots of the DAG's actions in the light and dark themes, checked for colour contrast.
 */
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { ROOT, contrastViolations, labSuite, openNotebook, runCell, setTheme, writeNotebook } from './jupyterlab';

const RESULTS = join(ROOT, 'test-results');
const PANEL = '.tc-Panel';
const WORKFLOW = 'rerun-chain';

/* eslint-disable @typescript-eslint/no-explicit-any -- the page's `window.jupyterapp` is JupyterLab's untyped global */
type AnyWindow = { jupyterapp: any };

const setup = `import { task, workflow, run } from "taskcell";
const calls: Record<string, number> = ((globalThis as any).rerunCalls ??= {});
// Counted on a global: what a task body captures from its cell is a copy.
const counted = (name: string, k: number) =>
  task({ name, inputs: { x: "number" }, outputs: { y: "number" }, cache: false }, ({ x }) => {
    const seen = (globalThis as any).rerunCalls;
    seen[name] = (seen[name] ?? 0) + 1;
    return x * k;
  });
const wf = workflow("${WORKFLOW}")
  .step("a", counted("ta", 2))
  .step("b", counted("tb", 3))
  .step("c", counted("tc", 5))
  .connect("a.y", "b.x")
  .connect("b.y", "c.x");`;

describe('Re-run from the DAG view', () => {
  const suite = labSuite(
    'dag-rerun',
    (root) => writeNotebook(root, 'rerun.ipynb', [setup, `await run(wf, { x: 1 });`, `JSON.stringify(calls)`]),
    { width: 1300, height: 900 },
  );

  const rows = (): Locator =>
    suite.page
      .locator(`${PANEL}-list > .tc-Panel-row`)
      .filter({ has: suite.page.locator(':scope > .tc-Panel-rowSummary > .tc-Panel-name', { hasText: WORKFLOW }) });

  /** The calls each task body has had, as the kernel counts them. */
  async function calls(): Promise<Record<string, number>> {
    await runCell(suite.page, 2);
    const text = await suite.page.evaluate(() => {
      const w = (window as unknown as AnyWindow).jupyterapp.shell.currentWidget;
      return w.content.widgets[2].outputArea.node.textContent as string;
    });
    return JSON.parse(/\{.*\}/.exec(text)![0].replace(/\\"/g, '"')) as Record<string, number>;
  }

  /** Wait until `n` runs of the workflow show, every one ended SUCCESS. */
  async function runsShown(n: number): Promise<void> {
    await suite.page.waitForFunction(
      ([name, count]) => {
        const found = [...document.querySelectorAll('.tc-Panel-list > .tc-Panel-row')].filter(
          (r) => r.querySelector(':scope > .tc-Panel-rowSummary > .tc-Panel-name')?.textContent === name,
        );
        return found.length === count && found.every((r) => (r as HTMLElement).dataset.state === 'SUCCESS');
      },
      [WORKFLOW, n] as const,
      { timeout: 60_000 },
    );
  }

  /** The newest run's row, expanded, and the names of its steps that were served rather than run. */
  async function newest(): Promise<{ row: Locator; served: string[] }> {
    const row = rows().first();
    if ((await row.getAttribute('class'))?.includes('tc-mod-expanded') !== true) await row.locator('.tc-Panel-rowSummary').click();
    await row.locator('.tc-Panel-dagNode').first().waitFor();
    const steps = row.locator('.tc-Panel-steps > .tc-Panel-row');
    await suite.page.waitForFunction(
      (el) => el.querySelectorAll('.tc-Panel-steps > .tc-Panel-row').length === 3,
      await row.elementHandle(),
    );
    const served: string[] = [];
    for (let i = 0; i < (await steps.count()); i++) {
      const s = steps.nth(i);
      if (await s.locator(':scope > .tc-Panel-rowSummary > .tc-Panel-cached').isVisible()) {
        served.push(((await s.locator(':scope > .tc-Panel-rowSummary > .tc-Panel-name').textContent()) ?? '').split(' ')[0]);
      }
    }
    return { row, served: served.sort() };
  }

  it('runs one step, then a step and what follows, from the DAG by keyboard and context menu, serving the others from the run records', async () => {
    const { page, lab } = suite;
    await openNotebook(page, lab, 'rerun.ipynb');
    await runCell(page, 0);
    await runCell(page, 1);
    expect(await calls()).toEqual({ ta: 1, tb: 1, tc: 1 });
    await page.evaluate(() => (window as unknown as AnyWindow).jupyterapp.commands.execute('taskcell:open-tasks'));
    await page.waitForSelector(PANEL, { state: 'visible' });
    await runsShown(1);

    // Keyboard: Tab reaches the node, Enter shows its actions with the first one focused, Enter runs it.
    const first = await newest();
    const nodeB = first.row.locator('.tc-Panel-dagNode[data-step="b"]');
    expect(await nodeB.getAttribute('role')).toBe('button');
    await nodeB.focus();
    await page.keyboard.press('Enter');
    const actions = first.row.locator('.tc-Panel-dagActions');
    await actions.waitFor({ state: 'visible' });
    expect(await actions.locator('.tc-Panel-dagActionsLabel').textContent()).toBe('Step b:');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Re-run this step');
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme);
      expect(await contrastViolations(page, `${PANEL}-list .tc-Panel-dagActions`)).toEqual([]);
      await actions.locator('..').screenshot({ path: join(RESULTS, `dag-rerun-actions-${theme}.png`) });
    }
    await setTheme(page, 'light');
    await page.keyboard.press('Enter');
    await runsShown(2);
    expect(await calls()).toEqual({ ta: 1, tb: 2, tc: 1 });
    // The new job shows in the panel: b ran, a and c were served.
    expect((await newest()).served).toEqual(['a', 'c']);

    // Context menu on node a of the newest run: "Re-run from here" runs a, b and c.
    const second = await newest();
    await second.row.locator('.tc-Panel-dagNode[data-step="a"]').click({ button: 'right' });
    await second.row.locator('.tc-Panel-dagActions .tc-Panel-dagRerunFrom').click();
    await runsShown(3);
    expect(await calls()).toEqual({ ta: 2, tb: 3, tc: 2 });
    expect((await newest()).served).toEqual([]);
    suite.pass();
  }, 300_000);
});
