/// <reference lib="dom" />
/** Steps the task-form e2e files share: typing in a field, finding one by label, the Tasks panel, both themes. */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { ROOT, contrastViolations, setTheme } from './jupyterlab';

/** Select the text of the focused field and type over it. */
export async function typeOver(page: Page, text: string): Promise<void> {
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

/** The field of `form` labelled `label` (a required field's label ends in " *"). */
export function field(form: Locator, label: string): Locator {
  return form
    .locator('.tc-TaskForm-field')
    .filter({ has: form.page().locator('.tc-TaskForm-label', { hasText: new RegExp(`^${label}( \\*)?$`) }) });
}

/** Open the Tasks panel and wait until it shows a job of task `name` that ended SUCCESS. */
export async function waitForSuccessInTasksPanel(page: Page, name: string): Promise<void> {
  await page.evaluate(() =>
    (window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }).jupyterapp.commands.execute(
      'taskcell:open-tasks',
    ),
  );
  await page.waitForFunction(
    (n) =>
      [...document.querySelectorAll('.tc-Panel-list > .tc-Panel-row')].some(
        (r) => r.querySelector('.tc-Panel-name')?.textContent === n && (r as HTMLElement).dataset.state === 'SUCCESS',
      ),
    name,
    { timeout: 30_000 },
  );
}

/**
 * In the light then the dark theme: a screenshot of `form` as `test-results/NAME-THEME.png`, and no
 * WCAG AA colour-contrast violation inside `selector`. Ends in the light theme.
 */
export async function checkBothThemes(page: Page, form: Locator, name: string, selector: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await form.screenshot({ path: join(ROOT, 'test-results', `${name}-${theme}.png`) });
    expect(await contrastViolations(page, selector)).toEqual([]);
  }
  await setTheme(page, 'light');
}
