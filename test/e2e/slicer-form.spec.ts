/// <reference lib="dom" />
/**
 * The form of an imported Slicer task in real JupyterLab, against a real Docker engine: a busybox
 * image built FROM scratch whose entrypoint answers `--list_cli` and `<cli> --xml` as
 * slicer_cli_web images do is imported in a cell with `importSlicerImage`; its form is filled with
 * the keyboard, a value outside the XML's constraints is refused at its field, and Run starts a
 * container whose job shows in the Tasks panel and whose result card renders below the form.
 * Screenshots in the light and dark themes go to test-results/, and the form passes WCAG AA colour
 * contrast in both.
 */
import type { Page } from 'playwright-core';
import { buildBusyboxImage, endDockerSuite, startEngine } from '../docker/engine';
import type { ITestEngine } from '../docker/engine';
import { labSuite, openNotebook, runCell, writeNotebook } from './jupyterlab';
import type { ILab } from './jupyterlab';
import { checkBothThemes, field, typeOver, waitForSuccessInTasksPanel } from './task-form-steps';

const IMAGE = 'taskcell-test/slicer-form:latest';

const REPEAT_XML = `<?xml version="1.0" encoding="UTF-8"?>
<executable>
  <category>Testing</category>
  <title>Repeat</title>
  <description>Repeats a word</description>
  <parameters>
    <label>Inputs</label>
    <string><name>word</name><label>Word</label><longflag>word</longflag></string>
    <integer><name>times</name><label>Times</label><longflag>times</longflag><default>2</default>
      <constraints><minimum>1</minimum><maximum>5</maximum></constraints></integer>
  </parameters>
  <parameters>
    <label>Results</label>
    <string><name>echoed</name><channel>output</channel></string>
    <integer><name>length</name><channel>output</channel></integer>
  </parameters>
</executable>
`;

// Writes the word repeated and its length into the return parameter file.
const REPEAT_SH = [
  '#!/bin/sh',
  'word=""; times=1; ret=""',
  'while [ $# -gt 0 ]; do',
  '  case "$1" in',
  '    --word) word="$2"; shift 2;;',
  '    --times) times="$2"; shift 2;;',
  '    --returnparameterfile) ret="$2"; shift 2;;',
  '    *) shift;;',
  '  esac',
  'done',
  'out=""; i=0',
  'while [ $i -lt "$times" ]; do out="$out$word"; i=$((i + 1)); done',
  'printf "echoed = %s\\nlength = %s\\n" "$out" "${#out}" > "$ret"',
  '',
].join('\n');

const ENTRY = [
  '#!/bin/sh',
  'if [ "$1" = "--list_cli" ]; then echo \'{"Repeat": {"type": "shell"}}\'; exit 0; fi',
  'cli="$1"',
  'shift',
  'if [ "$1" = "--xml" ]; then cat "/cli/$cli.xml"; exit 0; fi',
  'exec "/cli/$cli" "$@"',
  '',
].join('\n');

const CELLS = [
  [
    'import { form } from "taskcell";',
    'import { importSlicerImage } from "@taskcell/docker";',
    `const { tasks } = await importSlicerImage(${JSON.stringify(IMAGE)});`,
    'Object.keys(tasks).join(",")',
  ].join('\n'),
  'form(tasks.Repeat)',
  ['import { run } from "taskcell";', '(await run(tasks.Repeat, { word: "xy", times: 1 })).data.echoed'].join('\n'),
];

describe('the form of an imported Slicer task in JupyterLab', () => {
  let engine: ITestEngine | undefined;
  // Registered before the lab's hooks: the engine and its image exist when the lab (and its kernel) start.
  beforeAll(async () => {
    engine = await startEngine();
    await buildBusyboxImage(
      engine.docker,
      [IMAGE],
      { '/bin/slicer-entry': ENTRY, '/cli/Repeat': REPEAT_SH, '/cli/Repeat.xml': REPEAT_XML },
      ['ENTRYPOINT ["/bin/slicer-entry"]'],
    );
  }, 180_000);
  afterAll(async () => {
    await endDockerSuite(engine, undefined);
  }, 60_000);

  const suite = labSuite(
    'slicer-form',
    (root) => writeNotebook(root, 'slicer-form.ipynb', CELLS),
    { width: 1200, height: 1000 },
    () => ({
      DOCKER_HOST: engine?.host,
    }),
  );
  let lab: ILab;
  let page: Page;
  beforeAll(() => ({ lab, page } = suite));

  it('is filled by keyboard, refuses a value outside its constraints, runs in the image, shows the job in the Tasks panel and the result below', async () => {
    await openNotebook(page, lab, 'slicer-form.ipynb');
    await runCell(page, 0, 120_000);
    await expect(page.locator('.jp-Cell').nth(0).locator('.jp-OutputArea-output').last().textContent()).resolves.toContain('Repeat');
    await runCell(page, 1);
    const form = page.locator('.jp-Cell').nth(1).locator('.tc-TaskForm');
    await form.waitFor();
    await expect(form.locator('.tc-TaskForm-label').allTextContents()).resolves.toEqual(['Word *', 'Times']);
    await expect(field(form, 'Times').locator('input').inputValue()).resolves.toBe('2');
    // Keyboard only: type the word, Tab to the count, type one above the XML's maximum.
    await field(form, 'Word').locator('input').focus();
    await page.keyboard.type('ab');
    await page.keyboard.press('Tab');
    const times = field(form, 'Times');
    await expect(times.locator('input').evaluate((e) => e === document.activeElement)).resolves.toBe(true);
    await typeOver(page, '9');
    await expect(times.locator('.tc-TaskForm-error').textContent()).resolves.toBe('Expected at most 5, got 9');
    await expect(times.locator('input').getAttribute('aria-invalid')).resolves.toBe('true');
    // Run is refused while the field is bad: no result appears.
    await page.keyboard.press('Enter');
    await expect(form.locator('.tc-TaskForm-status').textContent()).resolves.toBe('Fix the fields marked above');
    await expect(form.locator('.tc-TaskForm-result').innerHTML()).resolves.toBe('');
    await typeOver(page, '3');
    await expect(times.locator('.tc-TaskForm-error').textContent()).resolves.toBe('');
    await page.keyboard.press('Enter');
    // The container ran: its result card renders below the form with the outputs it wrote.
    const card = form.locator('.tc-TaskForm-result .tc-JobViewRenderer');
    await card.waitFor({ timeout: 120_000 });
    await page.waitForFunction(
      () =>
        (document.querySelectorAll('.jp-Cell')[1].querySelector('.tc-TaskForm-result .tc-JobViewRenderer') as HTMLElement | null)?.dataset
          .state !== 'RUNNING',
      undefined,
      { timeout: 120_000 },
    );
    await expect(card.getAttribute('data-state')).resolves.toBe('SUCCESS');
    await expect(card.locator('.tc-JobViewRenderer-name').textContent()).resolves.toBe('Repeat');
    await expect(card.textContent()).resolves.toContain('ababab');
    await expect(card.textContent()).resolves.toContain('6');
    // The job shows in the Tasks panel.
    await waitForSuccessInTasksPanel(page, 'Repeat');
    await checkBothThemes(page, form, 'slicer-form-imported', '.tc-TaskForm');
    suite.pass();
  }, 300_000);

  it("a job's Form button in the Tasks panel inserts its task's form below the job's cell, which runs it again with other inputs", async () => {
    await runCell(page, 2, 120_000);
    await expect(page.locator('.jp-Cell').nth(2).locator('.jp-OutputArea-output').last().textContent()).resolves.toContain('xy');
    // The job run by the cell offers Form (the form's own run names no cell, so it offers none).
    const rows = page.locator('.tc-Panel-list > .tc-Panel-row').filter({ has: page.locator('.tc-Panel-form:not([hidden])') });
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.locator('.tc-Panel-name').textContent()).resolves.toBe('Repeat');
    await checkBothThemes(page, rows, 'slicer-form-panel-row', '.tc-Panel-list > .tc-Panel-row');
    await rows.locator('.tc-Panel-form').click();
    const form = page.locator('.jp-Cell').nth(3).locator('.tc-TaskForm');
    await form.waitFor({ timeout: 60_000 });
    await expect(page.locator('.jp-Cell').count()).resolves.toBe(4);
    await field(form, 'Word').locator('input').focus();
    await page.keyboard.type('cd');
    await page.keyboard.press('Tab');
    await typeOver(page, '2');
    await page.keyboard.press('Enter');
    const card = form.locator('.tc-TaskForm-result .tc-JobViewRenderer[data-state="SUCCESS"]');
    await card.waitFor({ timeout: 120_000 });
    await expect(card.textContent()).resolves.toContain('cdcd');
    suite.pass();
  }, 300_000);

  it('"New form…" in the Tasks panel lists the imported image\'s tasks, and the form of one offers its container as its place', async () => {
    await page.locator('.tc-Panel-newForm').click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.waitFor();
    const choice = 'Repeat (slicer_cli) · tasks["Repeat"]';
    await expect(dialog.locator('select option').allTextContents()).resolves.toContain(choice);
    await dialog.locator('select').selectOption(choice);
    await dialog.locator('select').focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    const cell = page.locator('.jp-Cell').filter({ has: page.locator('.jp-InputArea-editor', { hasText: 'form(tasks["Repeat"])' }) });
    const form = cell.locator('.tc-TaskForm');
    await form.waitFor({ timeout: 60_000 });
    await expect(form.locator('.tc-TaskForm-title').textContent()).resolves.toBe('Repeat');
    await expect(form.locator('.tc-TaskForm-placeSelect option').first().textContent()).resolves.toBe(
      'docker taskcell-test/slicer-form:latest (from the kernel)',
    );
    suite.pass();
  }, 300_000);
});
