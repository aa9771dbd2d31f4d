/// <reference lib="dom" />
/**
 * Cancel while a cell awaits, end to end: in a real JupyterLab with the taskcell kernel, in
 * Debian's Chromium driven by playwright-core, `await run(slow, {})` is cancelled by the Tasks
 * panel's Cancel while the cell still shows `[*]`, and the cell ends with the CanceledError within a
 * second; a task that ignores its cancel gets a notice and an Interrupt button on its row.
 * Screenshots go to test-results/.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, labSuite, openNotebook, runCell, startCell } from './jupyterlab';
import type { ILab } from './jupyterlab';

const RESULTS = join(ROOT, 'test-results');

/* eslint-disable @typescript-eslint/no-explicit-any -- the page's `window.jupyterapp` is JupyterLab's untyped global */
type AnyWindow = { jupyterapp: any; __tcCancel: any };

/** The notebook: a task that waits a minute unless cancelled, and a cell that awaits it. */
const NOTEBOOK = {
  cells: [
    {
      cell_type: 'code',
      execution_count: null,
      metadata: {},
      outputs: [],
      source: [
        'import { task, run } from "taskcell";\n',
        'const slow = task({ name: "slow", inputs: {}, outputs: { n: "number" } }, async (_i, ctx) => {\n',
        '  await new Promise((r, j) => { const t = setTimeout(r, 60000); ctx.signal.addEventListener("abort", () => { clearTimeout(t); j(ctx.signal.reason); }); });\n',
        '  return 1;\n',
        '});',
      ],
    },
    { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: ['await run(slow, {})'] },
    {
      cell_type: 'code',
      execution_count: null,
      metadata: {},
      outputs: [],
      source: [
        'const stubborn = task({ name: "stubborn", inputs: {}, outputs: { n: "number" } }, async (_i, ctx) => {\n',
        '  for (let i = 1; i <= 300; i++) { await new Promise((r) => setTimeout(r, 100)); ctx.progress(i, 300); }\n',
        '  return 1;\n',
        '});\n',
        'const going = run(stubborn, {});\n',
        'going.catch(() => undefined);',
      ],
    },
    { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: ['await new Promise((r) => setTimeout(r, 120000))'] },
  ],
  metadata: { kernelspec: { name: 'taskcell', display_name: 'TypeScript (taskcell)', language: 'typescript' } },
  nbformat: 4,
  nbformat_minor: 5,
};

describe('Cancel from the Tasks panel while the cell awaits', () => {
  const suite = labSuite('cancel-awaiting', (root) => writeFileSync(join(root, 'cancel.ipynb'), JSON.stringify(NOTEBOOK, null, 1)), {
    width: 1400,
    height: 900,
  });
  let lab: ILab;
  let page: Page;
  beforeAll(() => ({ lab, page } = suite));

  const prompt = (index: number): Promise<string> =>
    page.evaluate(
      (i) =>
        (window as unknown as AnyWindow).jupyterapp.shell.currentWidget.content.widgets[i].node.querySelector('.jp-InputPrompt')
          ?.textContent ?? '',
      index,
    );

  it('clicking Cancel on the awaited job ends the cell within a second with the error shown', async () => {
    await openNotebook(page, lab, 'cancel.ipynb');
    await page.evaluate(() => (window as unknown as AnyWindow).jupyterapp.commands.execute('taskcell:open-tasks').then(() => undefined));
    await page.waitForSelector('.tc-Panel', { state: 'visible' });

    await runCell(page, 0, 60_000);

    await startCell(page, 1);
    const row = page.locator('.tc-Panel-list > .tc-Panel-row[data-state="RUNNING"]').filter({
      has: page.locator('.tc-Panel-rowSummary > .tc-Panel-name', { hasText: /^slow$/ }),
    });
    await row.waitFor({ timeout: 30_000 });
    // The cell is still running: its prompt shows [*] and the kernel is busy.
    expect(await prompt(1)).toContain('[*]');
    await page.screenshot({ path: join(RESULTS, 'cancel-awaiting-running.png') });

    // Click Cancel in the page and time, in the page, until the cell shows the error and a count.
    await page.evaluate(() => {
      const w = (window as unknown as AnyWindow).jupyterapp.shell.currentWidget;
      const cell = w.content.widgets[1];
      const state: { clicked: number; ended?: number } = { clicked: 0 };
      const obs = new MutationObserver(() => {
        const error = cell.node.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
        const promptText = cell.node.querySelector('.jp-InputPrompt')?.textContent ?? '';
        if (state.ended === undefined && error && /\[\d+\]/.test(promptText)) {
          state.ended = performance.now();
          obs.disconnect();
        }
      });
      obs.observe(cell.node, { subtree: true, childList: true, characterData: true });
      (window as unknown as AnyWindow).__tcCancel = state;
      const rows = [...document.querySelectorAll('.tc-Panel-list > .tc-Panel-row')] as HTMLElement[];
      const slow = rows.find(
        (r) => r.querySelector('.tc-Panel-rowSummary > .tc-Panel-name')?.textContent === 'slow' && r.dataset.state === 'RUNNING',
      );
      state.clicked = performance.now();
      (slow!.querySelector('.tc-Panel-cancel') as HTMLButtonElement).click();
    });
    await page.waitForFunction(() => (window as unknown as AnyWindow).__tcCancel.ended !== undefined, null, {
      timeout: 10_000,
      polling: 50,
    });
    const { clicked, ended } = (await page.evaluate(() => (window as unknown as AnyWindow).__tcCancel)) as {
      clicked: number;
      ended: number;
    };
    console.log(`cancel to error shown: ${(ended - clicked).toFixed(0)} ms`);
    expect(ended - clicked).toBeLessThanOrEqual(1000);

    const error = await page.evaluate(
      () =>
        (window as unknown as AnyWindow).jupyterapp.shell.currentWidget.content.widgets[1].node.querySelector(
          '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
        )?.textContent ?? '',
    );
    expect(error).toMatch(/CanceledError/);
    expect(error).toMatch(/cancelled/);
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    await page.waitForSelector('.tc-Panel-list > .tc-Panel-row[data-state="CANCELED"]');
    await page.screenshot({ path: join(RESULTS, 'cancel-awaiting.png') });
    suite.pass();
  }, 240_000);

  it('a task that ignores its cancel gets a notice and an Interrupt button on its row, which interrupts the kernel', async () => {
    await startCell(page, 2);
    const row = page.locator('.tc-Panel-list > .tc-Panel-row').filter({
      has: page.locator('.tc-Panel-rowSummary > .tc-Panel-name', { hasText: /^stubborn$/ }),
    });
    await row.and(page.locator('[data-state="RUNNING"]')).waitFor({ timeout: 30_000 });
    await row.locator('.tc-Panel-cancel').click();
    await row.and(page.locator('[data-state="CANCELED"]')).waitFor({ timeout: 5_000 });
    // A second later the kernel says the task still runs: on the row, and in the cell that started it.
    const notice = row.locator('.tc-Panel-notice');
    await notice.waitFor({ state: 'visible', timeout: 5_000 });
    expect(await notice.textContent()).toMatch(/still running in the kernel .* ignores its cancel signal/);
    const cellText = await page.evaluate(
      () => (window as unknown as AnyWindow).jupyterapp.shell.currentWidget.content.widgets[2].node.textContent as string,
    );
    expect(cellText).toMatch(/ignores its cancel signal/);

    // A cell awaits; the row's Interrupt button interrupts the kernel, which ends that cell.
    await startCell(page, 3);
    await page.waitForFunction(
      () =>
        (
          (window as unknown as AnyWindow).jupyterapp.shell.currentWidget.content.widgets[3].node.querySelector('.jp-InputPrompt')
            ?.textContent ?? ''
        ).includes('[*]'),
      null,
      { timeout: 10_000, polling: 100 },
    );
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(RESULTS, 'cancel-ignored.png') });
    await row.locator('.tc-Panel-interrupt').click();
    await page.waitForFunction(
      () =>
        /InterruptedError/.test(
          (window as unknown as AnyWindow).jupyterapp.shell.currentWidget.content.widgets[3].node.querySelector(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
          )?.textContent ?? '',
        ),
      null,
      { timeout: 10_000, polling: 100 },
    );
    suite.pass();
  }, 120_000);
});
