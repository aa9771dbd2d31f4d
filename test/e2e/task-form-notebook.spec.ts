/// <reference lib="dom" />
/**
 * A task form as part of its notebook, in real JupyterLab with the taskcell kernel, in Debian's
 * Chromium: a file is picked with JupyterLab's file dialog from the keyboard and the task runs on
 * threads chosen in the form's place select, its result card below the form and its Tasks panel
 * row saying threads; the notebook saved and reopened shows the form with the values back, and
 * again when its cell is run again; the Tasks panel's "New form…" lists the notebook's tasks and
 * shows the form of the one chosen in a new cell. Screenshots in the light and dark themes go to
 * test-results/, and the form passes WCAG AA colour contrast in both.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { labSuite, openNotebook, runCell, writeNotebook } from './jupyterlab';
import type { ILab } from './jupyterlab';
import { checkBothThemes, field, waitForSuccessInTasksPanel } from './task-form-steps';

const CELLS = [
  [
    'import { task, form } from "taskcell";',
    'import * as fs from "node:fs";',
    'const lines = task({',
    '  name: "count lines",',
    '  inputs: { file: { type: "string", format: "text", target: "filepath" }, longest: { type: "integer", default: 80 } },',
    '  outputs: { count: "integer", first: "string" },',
    '}, ({ file, longest }) => {',
    '  const kept = fs.readFileSync(file, "utf8").split("\\n").filter((l) => l.length > 0 && l.length <= longest);',
    '  return { count: kept.length, first: kept[0] };',
    '});',
  ].join('\n'),
  'form(lines)',
];

/** Run a JupyterLab command in the page. */
async function command(page: Page, id: string): Promise<void> {
  await page.evaluate(
    (c) => (window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }).jupyterapp.commands.execute(c),
    id,
  );
}

/** Wait until the open file dialog lists `name`, then pick it by typing its first letter and Enter. */
async function pickInDialog(page: Page, name: string): Promise<void> {
  const dialog = page.locator('.jp-Dialog');
  await dialog.locator('.jp-DirListing-item', { hasText: name }).waitFor();
  await page.waitForFunction(() => document.activeElement?.closest('.jp-DirListing') !== null, undefined, { timeout: 10_000 });
  // The listing reads letters typed within a second as one name: let the last name typed lapse.
  await page.waitForTimeout(1100);
  await page.keyboard.type(name.slice(0, 2));
  await page.waitForFunction(
    (n) => document.querySelector('.jp-Dialog .jp-DirListing-item.jp-mod-selected .jp-DirListing-itemText')?.textContent === n,
    name,
    { timeout: 10_000 },
  );
  await page.keyboard.press('Enter');
}

function formOf(page: Page, cell: number): Locator {
  return page.locator('.jp-Cell').nth(cell).locator('.tc-TaskForm');
}

describe('a task form in its notebook', () => {
  const suite = labSuite(
    'task-form-notebook',
    (root) => {
      writeNotebook(root, 'picker.ipynb', CELLS);
      mkdirSync(join(root, 'data'));
      writeFileSync(join(root, 'data', 'lines.txt'), 'alpha\nbeta\n' + 'x'.repeat(100) + '\ngamma\n');
    },
    { width: 1200, height: 1000 },
  );
  let lab: ILab;
  let page: Page;
  beforeAll(() => ({ lab, page } = suite));

  it('picks a file with the file dialog by keyboard, runs on threads chosen in the form, the result renders below and the panel row says threads', async () => {
    await openNotebook(page, lab, 'picker.ipynb');
    await runCell(page, 0);
    await runCell(page, 1);
    const form = formOf(page, 1);
    await form.waitFor();
    const file = field(form, 'file');
    await expect(file.locator('.tc-TaskForm-browse').getAttribute('aria-label')).resolves.toBe('Browse for file');
    // Keyboard only: from the path field, Tab to its Browse button, Enter opens JupyterLab's file dialog.
    await file.locator('input').focus();
    await page.keyboard.press('Tab');
    await expect(file.locator('.tc-TaskForm-browse').evaluate((e) => e === document.activeElement)).resolves.toBe(true);
    await page.keyboard.press('Enter');
    await expect(page.locator('.jp-Dialog .jp-Dialog-header').textContent()).resolves.toBe('Choose a file');
    await pickInDialog(page, 'data');
    await pickInDialog(page, 'lines.txt');
    await page.locator('.jp-Dialog').waitFor({ state: 'detached' });
    // The path as the kernel reads it (from the notebook's folder), and the focus back in the field.
    await expect(file.locator('input').inputValue()).resolves.toBe('data/lines.txt');
    await expect(file.locator('input').evaluate((e) => e === document.activeElement)).resolves.toBe(true);
    await expect(file.locator('input').getAttribute('aria-invalid')).resolves.toBe('false');
    // The place select starts in-process and offers threads.
    const place = form.locator('.tc-TaskForm-placeSelect');
    await expect(place.inputValue()).resolves.toBe('');
    await expect(place.locator('option').allTextContents()).resolves.toEqual(['in-process', 'threads']);
    await place.focus();
    await place.selectOption('threads');
    await field(form, 'longest').locator('input').focus();
    await page.keyboard.press('Enter');
    const card = form.locator('.tc-TaskForm-result .tc-JobViewRenderer');
    await card.waitFor({ timeout: 60_000 });
    expect(await card.getAttribute('data-state')).toBe('SUCCESS');
    await expect(card.textContent()).resolves.toContain('alpha');
    await expect(card.textContent()).resolves.toContain('3');
    await waitForSuccessInTasksPanel(page, 'count lines');
    const row = page.locator('.tc-Panel-list > .tc-Panel-row', { has: page.locator('.tc-Panel-name', { hasText: 'count lines' }) }).first();
    await expect(row.locator('.tc-Panel-place').textContent()).resolves.toMatch(/^thread/);
    await checkBothThemes(page, form, 'task-form-notebook', '.tc-TaskForm-place, .tc-TaskForm-group, .tc-TaskForm-actions');
    suite.pass();
  }, 240_000);

  it('keeps the values with the notebook: saved and reopened, and run again, the form shows them', async () => {
    // Another value typed after the run is kept too.
    const longest = field(formOf(page, 1), 'longest').locator('input');
    await longest.fill('50');
    await longest.dispatchEvent('change');
    await command(page, 'docmanager:save');
    await page.waitForFunction(
      /* eslint-disable-next-line @typescript-eslint/no-explicit-any -- JupyterLab's untyped global */
      () => (window as unknown as { jupyterapp: any }).jupyterapp.shell.currentWidget?.context?.model?.dirty === false,
      undefined,
      { timeout: 30_000 },
    );
    await openNotebook(page, lab, 'picker.ipynb');
    const check = async () => {
      const form = formOf(page, 1);
      await form.waitFor();
      await expect(field(form, 'file').locator('input').inputValue()).resolves.toBe('data/lines.txt');
      await expect(field(form, 'longest').locator('input').inputValue()).resolves.toBe('50');
      await expect(form.locator('.tc-TaskForm-placeSelect').inputValue()).resolves.toBe('threads');
    };
    await check();
    await runCell(page, 1);
    await check();
    suite.pass();
  }, 240_000);

  it('"New form…" in the Tasks panel lists the notebook\'s tasks and shows the form of the one chosen in a new cell', async () => {
    await runCell(page, 0);
    await command(page, 'taskcell:open-tasks');
    await page.locator('.tc-Panel-newForm').click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.waitFor();
    await expect(dialog.locator('select option').allTextContents()).resolves.toEqual(['count lines (javascript) · lines']);
    await dialog.locator('select').focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    // The new cell goes below the active one (the first, run last), and starts from the task's defaults.
    const form = formOf(page, 1);
    await form.waitFor({ timeout: 60_000 });
    await expect(page.locator('.jp-Cell').nth(1).locator('.jp-InputArea-editor').textContent()).resolves.toContain('form(lines)');
    await expect(form.locator('.tc-TaskForm-title').textContent()).resolves.toBe('count lines');
    await expect(field(form, 'longest').locator('input').inputValue()).resolves.toBe('80');
    await expect(page.locator('.jp-Cell').count()).resolves.toBe(3);
    suite.pass();
  }, 240_000);
});
