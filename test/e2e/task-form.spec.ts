/// <reference lib="dom" />
/**
 * Task forms in real JupyterLab with the taskcell kernel, in Debian's Chromium: the form generated
 * for a task read from Slicer XML (an HistomicsTK CLI) and for a TypeScript task is filled with the
 * keyboard; a bad value is refused at its field with the reason; Run starts the job, which shows in
 * the Tasks panel, and its result card renders below the form. Screenshots in the light and dark
 * themes go to test-results/, and the form's text passes WCAG AA colour contrast in both.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, labSuite, openNotebook, runCell, writeNotebook } from './jupyterlab';
import type { ILab } from './jupyterlab';
import { checkBothThemes, field, typeOver, waitForSuccessInTasksPanel } from './task-form-steps';

const XML = join(ROOT, 'packages', 'core', 'test', 'fixtures', 'slicer', 'HistomicsTK-ColorDeconvolution.xml');

const CELLS = [
  [
    'import { task, form, slicerToTask } from "taskcell";',
    'import { readFileSync } from "node:fs";',
    'const scale = task({',
    '  name: "scale",',
    '  inputs: { factor: { type: "number", default: 1.5 }, times: "integer", tags: "string_list", label: "string", loud: "boolean" },',
    '  outputs: { summary: "string", total: "number" },',
    '}, ({ factor, times, tags, label, loud }) => ({',
    '  summary: `${loud ? label.toUpperCase() : label} ${tags.join("+")}`,',
    '  total: factor * times,',
    '}));',
  ].join('\n'),
  'form(scale)',
  `form(slicerToTask(readFileSync(${JSON.stringify(XML)}, "utf8")))`,
];

describe('task forms in JupyterLab', () => {
  const suite = labSuite('task-form', (root) => writeNotebook(root, 'forms.ipynb', CELLS), { width: 1200, height: 1200 });
  let lab: ILab;
  let page: Page;
  beforeAll(() => ({ lab, page } = suite));

  it('the form of a Slicer task has its groups, widgets, defaults and constraints, and refuses a bad value at its field', async () => {
    await openNotebook(page, lab, 'forms.ipynb');
    await runCell(page, 0);
    await runCell(page, 2);
    const form = page.locator('.jp-Cell').nth(2).locator('.tc-TaskForm');
    await form.waitFor();
    await expect(form.locator('.tc-TaskForm-legend').allTextContents()).resolves.toEqual(['IO']);
    await expect(field(form, 'Maximum region size').locator('input').getAttribute('inputmode')).resolves.toBe('numeric');
    // An enumeration is a select with its default chosen; a vector is a comma list with its default.
    const stain = field(form, 'stain-1').locator('select');
    await expect(stain.inputValue()).resolves.toBe('hematoxylin');
    await expect(stain.locator('option').count()).resolves.toBeGreaterThan(3);
    // By keyboard: focus the stain select, Tab to the next field, type a bad vector, then fix it.
    await stain.focus();
    await page.keyboard.press('Tab');
    const vector = field(form, 'stain-1 custom vector');
    await expect(vector.locator('input').evaluate((e) => e === document.activeElement)).resolves.toBe(true);
    await typeOver(page, '0.5, x, 1');
    await expect(vector.locator('.tc-TaskForm-error').textContent()).resolves.toBe('Each value: Expected a number, got "x"');
    await expect(vector.locator('input').getAttribute('aria-invalid')).resolves.toBe('true');
    await typeOver(page, '0.5, 0.25, 1');
    await expect(vector.locator('.tc-TaskForm-error').textContent()).resolves.toBe('');
    // The image path is required: Run is refused until it is typed.
    await form.locator('.tc-TaskForm-run').focus();
    await page.keyboard.press('Enter');
    await expect(form.locator('.tc-TaskForm-status').textContent()).resolves.toBe('Fix the fields marked above');
    await expect(field(form, 'Input Image').locator('.tc-TaskForm-error').textContent()).resolves.toBe('Input Image needs a value');
    await field(form, 'Input Image').locator('input').focus();
    await page.keyboard.type('slide.svs');
    // A task read from Slicer XML that names no image runs nowhere: the kernel says why, below the form.
    await page.keyboard.press('Enter');
    const status = form.locator('.tc-TaskForm-status');
    await page.waitForFunction(
      () => document.querySelectorAll('.jp-Cell')[2].querySelector('.tc-TaskForm-status')?.textContent === 'Failed',
      undefined,
      {
        timeout: 30_000,
      },
    );
    await expect(status.textContent()).resolves.toBe('Failed');
    await expect(form.locator('.tc-TaskForm-result').textContent()).resolves.toContain('has no "docker_image"');
    await checkBothThemes(page, form, 'task-form-slicer', '.tc-TaskForm');
    suite.pass();
  }, 180_000);

  it('the form of a TypeScript task is filled by keyboard, refuses a bad value, runs, shows the job in the Tasks panel and the result below', async () => {
    await runCell(page, 1);
    const form = page.locator('.jp-Cell').nth(1).locator('.tc-TaskForm');
    await form.waitFor();
    await expect(form.locator('.tc-TaskForm-label').allTextContents()).resolves.toEqual([
      'factor',
      'times *',
      'tags *',
      'label *',
      'loud *',
    ]);
    await expect(field(form, 'factor').locator('input').inputValue()).resolves.toBe('1.5');
    // Keyboard only: focus the first field, then Tab through the others.
    await field(form, 'factor').locator('input').focus();
    await typeOver(page, '2.5');
    await page.keyboard.press('Tab');
    await typeOver(page, 'four');
    const times = field(form, 'times');
    await expect(times.locator('.tc-TaskForm-error').textContent()).resolves.toBe('Expected an integer, got "four"');
    // Run is refused while a field is bad: no result appears.
    await page.keyboard.press('Enter');
    await expect(form.locator('.tc-TaskForm-status').textContent()).resolves.toBe('Fix the fields marked above');
    await expect(form.locator('.tc-TaskForm-result').innerHTML()).resolves.toBe('');
    await typeOver(page, '4');
    await expect(times.locator('.tc-TaskForm-error').textContent()).resolves.toBe('');
    await page.keyboard.press('Tab');
    await page.keyboard.type('red, blue');
    await page.keyboard.press('Tab');
    await page.keyboard.type('colours');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    await expect(field(form, 'loud').locator('input').isChecked()).resolves.toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    // The result card renders below the form, with the outputs of the values typed.
    const card = form.locator('.tc-TaskForm-result .tc-JobViewRenderer');
    await card.waitFor({ timeout: 60_000 });
    expect(await card.getAttribute('data-state')).toBe('SUCCESS');
    await expect(card.locator('.tc-JobViewRenderer-name').textContent()).resolves.toBe('scale');
    await expect(card.textContent()).resolves.toContain('COLOURS red+blue');
    await expect(card.textContent()).resolves.toContain('10');
    // The job shows in the Tasks panel.
    await waitForSuccessInTasksPanel(page, 'scale');
    await checkBothThemes(page, form, 'task-form-typescript', '.tc-TaskForm-group, .tc-TaskForm-actions, .tc-TaskForm-title');
    suite.pass();
  }, 180_000);
});
