/// <reference lib="dom" />
/**
 * A failed docker job explains itself in real JupyterLab: a cell runs a container that exits 4 on a
 * private Docker engine, and its row in the Tasks panel (250 px wide, as a narrow sidebar) opens a
 * Debug section with the command line as it ran, the image and its digest, the exit code, where it
 * ran, the environment with its secrets redacted and the end of stderr. Screenshots in the light and
 * dark themes go to test-results/, and the section passes WCAG AA colour contrast in both.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildBusyboxImage, endDockerSuite, startEngine } from '../docker/engine';
import type { ITestEngine } from '../docker/engine';
import { ROOT, contrastViolations, labSuite, openNotebook, runCell, setTheme, writeNotebook } from './jupyterlab';
import type { ILab } from './jupyterlab';

const IMAGE = 'taskcell-test/debug:latest';

const CELLS = [
  [
    'import { parseTask, run } from "taskcell";',
    'const greet = parseTask({',
    '  name: "greet", mode: "docker", docker_image: ' + JSON.stringify(IMAGE) + ',',
    '  container_args: ["sh", "-c", "echo \\"no greeting for $0\\" >&2; exit 4", "$input{who}"],',
    '  docker_run_args: { environment: { GREETING_LANG: "en", API_TOKEN: "hunter2" } },',
    '  inputs: [{ id: "who", type: "string", format: "text" }],',
    '  outputs: [{ id: "_stdout", type: "string", format: "text" }],',
    '});',
    'await run(greet, { who: "Ada" }).then(() => "ran", (e) => e.code)',
  ].join('\n'),
];

describe("a failed docker job's Debug section in the Tasks panel", () => {
  let engine: ITestEngine | undefined;
  // Registered before the lab's hooks: the engine and its image exist when the lab (and its kernel) start.
  beforeAll(async () => {
    engine = await startEngine();
    await buildBusyboxImage(engine.docker, [IMAGE]);
  }, 180_000);
  afterAll(async () => {
    await endDockerSuite(engine, undefined);
  }, 60_000);

  const suite = labSuite(
    'debug-section',
    (root) => writeNotebook(root, 'debug.ipynb', CELLS),
    { width: 1200, height: 900 },
    () => ({ DOCKER_HOST: engine?.host }),
  );
  let lab: ILab;
  let page: Page;
  beforeAll(() => ({ lab, page } = suite));

  it('shows the command line, image digest, exit code, where it ran, the redacted environment and stderr', async () => {
    await openNotebook(page, lab, 'debug.ipynb');
    await runCell(page, 0, 120_000);
    await expect(page.locator('.jp-Cell').nth(0).locator('.jp-OutputArea-output').last().textContent()).resolves.toContain(
      'taskcell:container-exit',
    );
    await page.evaluate(() =>
      (window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }).jupyterapp.commands.execute(
        'taskcell:open-tasks',
      ),
    );
    const row = page.locator('.tc-Panel-list > .tc-Panel-row').filter({ has: page.locator('.tc-Panel-name', { hasText: /^greet$/ }) });
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.tc-Panel-list > .tc-Panel-row')].some(
          (r) => r.querySelector('.tc-Panel-name')?.textContent === 'greet' && (r as HTMLElement).dataset.state === 'ERROR',
        ),
      undefined,
      { timeout: 30_000 },
    );
    // The sidebar at 250 px, as a user keeps it narrow.
    await page.evaluate(() => {
      const panel = document.querySelector('.tc-Panel') as HTMLElement;
      const side = panel.closest('.jp-SideBar, .lm-StackedPanel') as HTMLElement | null;
      (side ?? panel).style.width = '250px';
      panel.style.width = '250px';
    });
    // Keyboard: focus the row's summary and open it, then open Debug.
    await row.locator('.tc-Panel-rowSummary').focus();
    await page.keyboard.press('Enter');
    const debug = row.locator('.tc-Panel-debug');
    await debug.locator('summary').focus();
    await page.keyboard.press('Enter');
    await expect(debug.getAttribute('open')).resolves.not.toBeNull();
    const items = await debug.evaluate((d) =>
      Object.fromEntries([...d.querySelectorAll('dt')].map((dt) => [dt.textContent, (dt.nextElementSibling as HTMLElement).textContent])),
    );
    const digest = (await engine!.docker.getImage(IMAGE).inspect()).Id;
    expect(items).toMatchObject({
      Command: `sh -c 'echo "no greeting for $0" >&2; exit 4' Ada`,
      Image: `${IMAGE} (${digest})`,
      'Exit code': '4',
      'stderr (end)': 'no greeting for Ada',
    });
    expect(items['Ran on']).toMatch(/host /);
    expect(items.Environment).toContain('GREETING_LANG=en');
    expect(items.Environment).toContain('API_TOKEN=***');
    expect(await row.textContent()).not.toContain('hunter2');
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme);
      await row.screenshot({ path: join(ROOT, 'test-results', `debug-section-${theme}.png`) });
      expect(await contrastViolations(page, '.tc-Panel-debug')).toEqual([]);
    }
    await setTheme(page, 'light');
  }, 240_000);
});
