/// <reference lib="dom" />
/**
 * "Promote cell to task" end to end, in a real JupyterLab with the taskcell kernel in Debian's
 * Chromium: the cell context menu's command inserts the task cell below the cell, the task cell
 * runs, and running the task on threads shows in the Tasks panel. Screenshots go to test-results/.
 */
import { join } from 'node:path';
import { ROOT, labSuite, openNotebook, runCell, writeNotebook } from './jupyterlab';

/* eslint-disable @typescript-eslint/no-explicit-any -- the page's `window.jupyterapp` is JupyterLab's untyped global */
type AnyWindow = { jupyterapp: any };

const CELLS = [
  "import { task, run } from 'taskcell';",
  'const xs = [3, 1, 4];\nlet scale = 2;\nfunction double(x: number): number {\n  return x * 2;\n}',
  'const total = double(xs.reduce((a, b) => a + b, 0)) * scale;',
  'console.log(total);',
  "const r = await run(totalTask, { xs: xs, scale: scale }, { on: 'threads', cache: false });\nconsole.log('on threads:', r.data.total);",
];

describe('Promote cell to task', () => {
  const suite = labSuite('promote', (root) => writeNotebook(root, 'promote.ipynb', CELLS), { width: 1400, height: 900 });

  test('the context-menu command inserts the task cell below, and the task runs on threads and shows in the panel', async () => {
    const { page, lab } = suite;
    await openNotebook(page, lab, 'promote.ipynb');
    await runCell(page, 0);
    await runCell(page, 1);
    // Right-click the cell to promote, and choose the command.
    const cell = page.locator('.jp-Notebook .jp-CodeCell').nth(2);
    await cell.locator('.jp-InputArea-editor').click();
    await cell.locator('.jp-InputArea-editor').click({ button: 'right' });
    await page.locator('.lm-Menu-item', { hasText: 'Promote cell to task' }).click();
    const source = await page.waitForFunction(
      () => {
        const w = (window as unknown as AnyWindow).jupyterapp.shell.currentWidget;
        return w.content.widgets.length === 6 ? (w.content.widgets[3].model.sharedModel.getSource() as string) : '';
      },
      null,
      { timeout: 60_000, polling: 100 },
    );
    const code = (await source.jsonValue()) as string;
    expect(code).toContain(
      "const totalTask = task(\n  { name: 'totalTask', inputs: { xs: 'number_list', scale: 'number' }, outputs: { total: 'number' } },",
    );
    await page.screenshot({ path: join(ROOT, 'test-results', 'promote-task-cell-light.png') });

    // The task cell runs like any other, and the task runs on threads.
    await page.evaluate(() => void (window as unknown as AnyWindow).jupyterapp.commands.execute('taskcell:open-tasks'));
    await runCell(page, 3);
    await runCell(page, 5);
    const out = await page.evaluate(() => {
      const w = (window as unknown as AnyWindow).jupyterapp.shell.currentWidget;
      return JSON.stringify(w.content.widgets[5].model.outputs.toJSON());
    });
    expect(out).toContain('on threads: 32');
    await page.waitForFunction(
      () => {
        const panel = document.getElementById('taskcell-tasks');
        return !!panel && /totalTask/.test(panel.innerText) && /thread/.test(panel.innerText);
      },
      null,
      { timeout: 30_000, polling: 200 },
    );
    await page.screenshot({ path: join(ROOT, 'test-results', 'promote-panel-light.png') });
    suite.pass();
  }, 240_000);
});
