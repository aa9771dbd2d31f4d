/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The Tasks panel end to end: a real JupyterLab from the project venv, the taskcell kernel, and
 * Debian's Chromium driven by playwright-core. Screenshots and the panel's update timings go to
 * test-results/.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { CHROMIUM_ARGS, ROOT, checkVenv, startLab } from './jupyterlab';
import type { ILab } from './jupyterlab';

const RESULTS = join(ROOT, 'test-results');

/* eslint-disable @typescript-eslint/no-explicit-any -- the page's `window.jupyterapp` is JupyterLab's untyped global */
type AnyWindow = { jupyterapp: any; __tc: any };

describe('Tasks panel in JupyterLab', () => {
  let lab: ILab;
  let context: BrowserContext;
  let page: Page;
  let root: string;
  let profile: string;
  // Each part of the long test marks where it starts; the times go to the log, and a failure names
  // the part it happened in, with a screenshot, the browser's console and the server's log.
  const phases: Array<{ name: string; ms: number }> = [];
  let phase = { name: 'start', t0: Date.now() };
  const browserLog: string[] = [];
  let passed = false;
  /** A page script (which Playwright does not time out itself) bounded like every other wait. */
  const within = <T>(script: Promise<T>, ms = 60_000): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`a page script in part "${phase.name}" did not finish within ${ms / 1000} s`)), ms);
    });
    return Promise.race([script, late]).finally(() => clearTimeout(timer));
  };
  const mark = (name: string): void => {
    phases.push({ name: phase.name, ms: Date.now() - phase.t0 });
    phase = { name, t0: Date.now() };
  };

  beforeAll(async () => {
    checkVenv();
    mkdirSync(RESULTS, { recursive: true });
    root = mkdtempSync(join(tmpdir(), 'taskcell-e2e-'));
    copyFileSync(join(ROOT, 'examples', 'panel-tour.ipynb'), join(root, 'panel-tour.ipynb'));
    lab = await startLab(root);
    profile = mkdtempSync(join(tmpdir(), 'taskcell-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
      acceptDownloads: false,
    });
    page = context.pages()[0] ?? (await context.newPage());
    // Every wait is bounded well inside the test's own limit, so a failure says what it waited for.
    page.setDefaultTimeout(60_000);
    page.on('pageerror', (err) => browserLog.push(`page error: ${err.message}`));
    page.on('console', (msg) => browserLog.push(`${msg.type()}: ${msg.text()}`));
  }, 120_000);

  afterEach(async () => {
    mark('end');
    console.log(`e2e parts (ms): ${phases.map((p) => `${p.name} ${p.ms}`).join(', ')}`);
    if (!passed) {
      await page?.screenshot({ path: join(RESULTS, 'tasks-panel-failure.png') }).catch(() => undefined);
      console.log(
        `failed in part "${phases[phases.length - 1].name}"\n--- browser console (last 40) ---\n${browserLog.slice(-40).join('\n')}` +
          `\n--- jupyter lab log (last 60 lines) ---\n${lab?.log.join('').split('\n').slice(-60).join('\n')}`,
      );
    }
  });

  afterAll(async () => {
    await context?.close();
    await lab?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (root) rmSync(root, { recursive: true, force: true });
  }, 60_000);

  /**
   * Run a JupyterLab command in the page and wait for it. Nothing comes back: a command that opens
   * something resolves to its widget, and Playwright would serialize that widget's whole object graph
   * (the application hangs off it), which takes seconds or worse.
   */
  async function command(id: string, args: Record<string, unknown> = {}): Promise<void> {
    await within(
      page.evaluate(
        async ([i, a]) => {
          await (window as unknown as AnyWindow).jupyterapp.commands.execute(i, a);
        },
        [id, args] as const,
      ),
    );
  }

  /** Open the notebook and wait for its taskcell kernel to be idle, then open the panel. */
  async function openNotebook(): Promise<void> {
    await page.goto(`${lab.url}/lab/tree/panel-tour.ipynb?token=${lab.token}`);
    await page.waitForFunction(
      () => {
        const w = (window as unknown as AnyWindow).jupyterapp?.shell?.currentWidget;
        const kernel = w?.sessionContext?.session?.kernel;
        return kernel?.name === 'taskcell' && kernel.status === 'idle' && w.content?.widgets?.length > 0;
      },
      null,
      { timeout: 90_000, polling: 250 },
    );
    await command('taskcell:open-tasks');
    await page.waitForSelector('.tc-Panel', { state: 'visible' });
  }

  /** Start running cell `index` without waiting for it. */
  async function startCell(index: number): Promise<void> {
    await within(
      page.evaluate((i) => {
        const app = (window as unknown as AnyWindow).jupyterapp;
        app.shell.currentWidget.content.activeCellIndex = i;
        void app.commands.execute('notebook:run-cell');
      }, index),
    );
  }

  /** Run cell `index` and wait until it has executed and the kernel is idle. */
  async function runCell(index: number): Promise<void> {
    await startCell(index);
    await page.waitForFunction(
      (i) => {
        const w = (window as unknown as AnyWindow).jupyterapp.shell.currentWidget;
        return w.content.widgets[i].model.executionCount !== null && w.sessionContext.session.kernel.status === 'idle';
      },
      index,
      { timeout: 60_000, polling: 100 },
    );
  }

  /** The panel's row of a top-level job by name. */
  const topRow = (name: string): Locator =>
    page
      .locator('.tc-Panel-list > .tc-Panel-row')
      .filter({ has: page.locator('.tc-Panel-rowSummary > .tc-Panel-name', { hasText: new RegExp(`^${name}$`) }) });

  it('shows a workflow live, renders and sorts a table, cancels a job, keeps its history, and stays fast', async () => {
    mark('open notebook');
    await openNotebook();
    await runCell(1);

    // Watch the panel: expand the workflow as soon as it shows, and record what every step row and
    // progress bar shows as it changes.
    await within(
      page.evaluate(() => {
        const seen: Record<string, { states: string[]; progress: number[] }> = {};
        const panel = document.querySelector('.tc-Panel') as HTMLElement;
        const record = (): void => {
          const wf = [...panel.querySelectorAll('.tc-Panel-list > .tc-Panel-row')].find(
            (r) => r.querySelector('.tc-Panel-name')?.textContent === 'panel-tour',
          ) as HTMLElement | undefined;
          if (!wf) return;
          if (!wf.classList.contains('tc-mod-expanded')) (wf.querySelector('.tc-Panel-rowSummary') as HTMLElement).click();
          for (const row of wf.querySelectorAll('.tc-Panel-steps > .tc-Panel-row')) {
            const name = row.querySelector('.tc-Panel-name')?.textContent ?? '?';
            const s = (seen[name] ??= { states: [], progress: [] });
            const state = (row as HTMLElement).dataset.state ?? '';
            if (s.states[s.states.length - 1] !== state) s.states.push(state);
            const v = Number((row.querySelector('.tc-Panel-progress') as HTMLElement).dataset.value ?? 'NaN');
            if (Number.isFinite(v) && s.progress[s.progress.length - 1] !== v) s.progress.push(v);
          }
        };
        const obs = new MutationObserver(record);
        obs.observe(panel, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-value'] });
        (window as unknown as AnyWindow).__tc = { seen, obs };
      }),
    );

    mark('workflow runs');
    await runCell(3);
    const wf = topRow('panel-tour');
    await wf.waitFor();
    await page.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll('.tc-Panel-list > .tc-Panel-row')] as HTMLElement[];
        return rows.some((r) => r.querySelector('.tc-Panel-name')?.textContent === 'panel-tour' && r.dataset.state === 'SUCCESS');
      },
      null,
      { timeout: 30_000 },
    );
    const seen = (await within(
      page.evaluate(() => {
        (window as unknown as AnyWindow).__tc.obs.disconnect();
        return (window as unknown as AnyWindow).__tc.seen;
      }),
    )) as Record<string, { states: string[]; progress: number[] }>;
    // Every step was shown running and then done, and the load step's bar moved through values.
    for (const step of ['load', 'scale', 'summarize']) {
      expect(seen[step]?.states).toEqual(expect.arrayContaining(['SUCCESS']));
      expect(seen[step].states[seen[step].states.length - 1]).toBe('SUCCESS');
    }
    expect(seen.load.states).toContain('RUNNING');
    expect(seen.load.progress.length).toBeGreaterThanOrEqual(3);
    expect([...seen.load.progress].sort((a, b) => a - b)).toEqual(seen.load.progress);

    // The DAG is coloured by state, and each step's history went QUEUED -> RUNNING -> ... -> SUCCESS.
    expect(await wf.locator('.tc-Panel-dagNode[data-state="SUCCESS"]').count()).toBe(3);
    for (const step of ['load', 'scale', 'summarize']) {
      const row = wf
        .locator('.tc-Panel-steps > .tc-Panel-row')
        .filter({ has: page.locator('.tc-Panel-name', { hasText: new RegExp(`^${step}$`) }) });
      await row.locator('.tc-Panel-rowSummary').first().click();
      const history = await row.locator('.tc-Panel-historyItem').allTextContents();
      expect(history[0]).toBe('QUEUED');
      expect(history[1]).toBe('RUNNING');
      expect(history[history.length - 1]).toBe('SUCCESS');
    }
    expect(await wf.locator('.tc-Panel-steps .tc-Panel-logLine[data-stream="log"]').first().textContent()).toContain('loaded 12 values');

    mark('artifact viewers');
    // Each artifact opens in JupyterLab's own viewer for its type, through the contents API.
    const currentTab = (): Promise<string | null> =>
      page.locator('.lm-DockPanel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel').textContent();
    await wf.locator('.tc-Panel-artifact', { hasText: 'halves.csv' }).click();
    await page.locator('.jp-CSVViewer').waitFor({ timeout: 30_000 });
    expect(await currentTab()).toBe('halves.csv');
    await wf.locator('.tc-Panel-artifact', { hasText: 'halves.svg' }).click();
    const image = page.locator('.jp-ImageViewer img');
    await image.waitFor({ timeout: 30_000 });
    expect(await currentTab()).toBe('halves.svg');
    // The image loaded (a broken one has no natural size): 12 bars of 20 px.
    await page.waitForFunction(
      () => (document.querySelector('.jp-ImageViewer img') as HTMLImageElement | null)?.naturalWidth === 240,
      null,
      {
        timeout: 30_000,
      },
    );
    await wf.locator('.tc-Panel-artifact', { hasText: 'summary.json' }).click();
    const json = page.locator('.jp-MimeDocument .jp-RenderedJSON');
    await json.waitFor({ timeout: 30_000 });
    expect(await currentTab()).toBe('summary.json');
    // The viewer draws its tree a moment after it opens.
    await page.waitForFunction(
      () => /total[\s\S]*325/.test(document.querySelector('.jp-MimeDocument .jp-RenderedJSON')?.textContent ?? ''),
      null,
      { timeout: 30_000 },
    );
    await command('docmanager:open', { path: 'panel-tour.ipynb' });

    mark('table renderer');
    // The table output renders with its own renderer and sorts.
    await runCell(4);
    const table = page.locator('.jp-OutputArea .tc-TableRenderer').first();
    await table.waitFor();
    expect(await table.locator('.tc-TableRenderer-name').allTextContents()).toEqual(['i', 'square', 'half']);
    const firstSquare = (): Promise<string | null> =>
      table.locator('.tc-TableRenderer-row').first().locator('.tc-TableRenderer-cell').nth(1).textContent();
    await table.locator('[data-field="square"]').click();
    await table.locator('[data-field="square"]').click();
    expect(await table.locator('[data-field="square"]').getAttribute('aria-sort')).toBe('descending');
    expect(await firstSquare()).toBe('144');
    await table.locator('[data-field="square"]').click();
    expect(await firstSquare()).toBe('1');

    mark('cancel from panel');
    // A long job is cancelled from the panel and ends CANCELED.
    await runCell(6);
    const long = topRow('long-job');
    await long.waitFor();
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('.tc-Panel-list > .tc-Panel-row')] as HTMLElement[];
      const r = rows.find((x) => x.querySelector('.tc-Panel-name')?.textContent === 'long-job');
      return r?.dataset.state === 'RUNNING' && Number((r.querySelector('.tc-Panel-progress') as HTMLElement).dataset.value ?? 0) >= 0;
    });
    await long.locator('.tc-Panel-cancel').first().click();
    await page.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll('.tc-Panel-list > .tc-Panel-row')] as HTMLElement[];
        return rows.find((x) => x.querySelector('.tc-Panel-name')?.textContent === 'long-job')?.dataset.state === 'CANCELED';
      },
      null,
      { timeout: 20_000 },
    );

    mark('tree and graph');
    // A tree and a graph render with their own renderers; the graph (Vega, loaded on demand) shows
    // a node's attributes on hover.
    await runCell(8);
    const tree = page.locator('.jp-OutputArea .tc-TreeRenderer').first();
    await tree.waitFor();
    expect(await tree.locator('.tc-TreeRenderer-label').allTextContents()).toEqual(['root', 'A', 'B', 'B1']);
    expect(await tree.locator('.tc-TreeRenderer-length').allTextContents()).toEqual(['2', '4', '1']);
    const graph = page.locator('.jp-OutputArea .tc-GraphRenderer[data-tc-render-ms]').first();
    const canvas = graph.locator('.tc-GraphRenderer-canvas');
    await canvas.waitFor({ timeout: 30_000 });
    await canvas.scrollIntoViewIfNeeded();
    // The drawn nodes with their labels and where they are on the canvas; hovering one shows its attributes.
    const nodes = await canvas.evaluate(
      (host) =>
        (host as HTMLElement & { tcGraph: any }).tcGraph
          .nodes()
          .map((n: any) => ({ label: String(n.data('label') ?? n.id()), ...n.renderedPosition() })) as Array<{
          label: string;
          x: number;
          y: number;
        }>,
    );
    expect(nodes.map((n) => n.label).sort()).toEqual(['load', 'scale', 'summarize']);
    const box = (await canvas.boundingBox()) as { x: number; y: number };
    await page.mouse.move(box.x + nodes[0].x, box.y + nodes[0].y);
    const tooltip = graph.locator('.tc-GraphRenderer-tooltip');
    await tooltip.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await tooltip.textContent()).toContain(`id: ${nodes[0].label}`);

    mark('cancel all');
    // The notebook toolbar's "Cancel jobs" (the command Cancel All taskcell Jobs) cancels a second run.
    expect(await within(page.evaluate(() => (window as unknown as AnyWindow).jupyterapp.commands.hasCommand('taskcell:cancel-all')))).toBe(
      true,
    );
    await runCell(6);
    const longStates = (): Promise<string[]> =>
      within(
        page.evaluate(() =>
          ([...document.querySelectorAll('.tc-Panel-list > .tc-Panel-row')] as HTMLElement[])
            .filter((r) => r.querySelector('.tc-Panel-name')?.textContent === 'long-job')
            .map((r) => r.dataset.state ?? ''),
        ),
      );
    await page.waitForFunction(() =>
      ([...document.querySelectorAll('.tc-Panel-list > .tc-Panel-row')] as HTMLElement[]).some(
        (r) => r.querySelector('.tc-Panel-name')?.textContent === 'long-job' && r.dataset.state === 'RUNNING',
      ),
    );
    await page.locator('.jp-NotebookPanel-toolbar [data-jp-item-name="taskcell-cancel-all"] button').click();
    await page.waitForFunction(
      () =>
        ([...document.querySelectorAll('.tc-Panel-list > .tc-Panel-row')] as HTMLElement[]).filter(
          (r) => r.querySelector('.tc-Panel-name')?.textContent === 'long-job' && r.dataset.state === 'CANCELED',
        ).length === 2,
      null,
      { timeout: 20_000 },
    );

    mark('themes');
    // Screenshots in the light and the dark theme.
    await page.screenshot({ path: join(RESULTS, 'tasks-panel-light.png') });
    await command('apputils:change-theme', { theme: 'JupyterLab Dark' });
    // Wait until the dark theme's colours apply to the panel itself.
    await page.waitForFunction(
      () => {
        const [r, g, b] = (getComputedStyle(document.querySelector('.tc-Panel') as Element).backgroundColor.match(/\d+/g) ?? []).map(
          Number,
        );
        return document.body.dataset.jpThemeLight === 'false' && r + g + b < 200;
      },
      null,
      { timeout: 30_000 },
    );
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(RESULTS, 'tasks-panel-dark.png') });

    mark('reload');
    // The history survives a page reload (state database).
    await page.waitForTimeout(1500);
    await openNotebook();
    await topRow('panel-tour').waitFor();
    expect(await topRow('panel-tour').getAttribute('data-state')).toBe('SUCCESS');
    expect(await longStates()).toEqual(['CANCELED', 'CANCELED']);

    mark('1,000 jobs');
    // 1,000 jobs listed and 100 events a second: time every panel update while it runs.
    await within(
      page.evaluate(() => {
        const panel = document.querySelector('.tc-Panel') as HTMLElement;
        const deltas: number[] = [];
        let last = { count: Number(panel.dataset.updates ?? 0), total: Number(panel.dataset.updateTotalMs ?? 0) };
        let on = false;
        const tick = (): void => {
          const now = { count: Number(panel.dataset.updates ?? 0), total: Number(panel.dataset.updateTotalMs ?? 0) };
          if (on && now.count > last.count) deltas.push((now.total - last.total) / (now.count - last.count));
          last = now;
          (window as unknown as AnyWindow).__tc.frame = requestAnimationFrame(tick);
        };
        (window as unknown as AnyWindow).__tc = {
          deltas,
          start: () => (on = true),
          stop: () => (on = false),
          frame: requestAnimationFrame(tick),
        };
      }),
    );
    // Code run straight on the kernel, with no cell.
    // Its reply comes after the browser has taken in every message before it, so it waits as long as the rows below.
    const execute = (code: string): Promise<void> =>
      within(
        page.evaluate(async (c) => {
          const kernel = (window as unknown as AnyWindow).jupyterapp.shell.currentWidget.sessionContext.session.kernel;
          await kernel.requestExecute({ code: c, silent: true }).done;
        }, code),
        150_000,
      );
    // The kernel sends job events only to open comms, and the reloaded page opens its comm a moment
    // after the notebook shows: a probe job must show in the panel before the 1,000 are sent.
    for (let attempt = 0; ; attempt++) {
      await execute(
        `import { globalEvents } from "taskcell"; globalEvents.emit({ v: 1, kind: "state", jobId: "probe-${attempt}", task: "probe", time: Date.now(), state: "SUCCESS" });`,
      );
      const seen = await page
        .waitForSelector(`[data-job-id="probe-${attempt}"]`, { state: 'attached', timeout: 2000 })
        .then(() => true)
        .catch(() => false);
      if (seen) break;
      if (attempt >= 30) throw new Error('the Tasks panel showed no probe job within 30 tries: its comm to the kernel did not open');
    }
    // First 1,000 running jobs; once the panel lists them all, 100 progress events a second for 5 s.
    await execute(`
import { globalEvents } from "taskcell";
for (let i = 0; i < 1000; i++)
  globalEvents.emit({ v: 1, kind: "state", jobId: "load-" + i, task: "synthetic-" + i, time: Date.now(), state: "RUNNING", place: { kind: "in-process" } });
`);
    // A cold browser on a busy machine can take a while to lay out 1,000 new rows; the timing that matters is measured below.
    // Polled on a timer, not on animation frames, so the check does not wait on the frames it measures.
    await page.waitForFunction(() => document.querySelectorAll('.tc-Panel-row[data-job-id^="load-"]').length >= 1000, null, {
      timeout: 150_000,
      polling: 250,
    });
    mark('100 events/s');
    await within(page.evaluate(() => (window as unknown as AnyWindow).__tc.start()));
    await execute(`
for (let k = 0; k < 50; k++) {
  for (let j = 0; j < 10; j++) {
    const i = ((k * 10 + j) * 37) % 1000;
    globalEvents.emit({ v: 1, kind: "progress", jobId: "load-" + i, time: Date.now(), state: "RUNNING", progress: { current: k + 1, total: 50, message: "tick " + (k + 1) } });
  }
  await new Promise((r) => setTimeout(r, 100));
}
`);
    await page.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll('.tc-Panel-row[data-job-id^="load-"] .tc-Panel-progressText')];
        return rows.filter((r) => r.textContent === '50/50 tick 50').length === 10;
      },
      null,
      { timeout: 30_000 },
    );
    const deltas = (await within(
      page.evaluate(() => {
        const tc = (window as unknown as AnyWindow).__tc;
        tc.stop();
        cancelAnimationFrame(tc.frame);
        return tc.deltas;
      }),
    )) as number[];
    const mean = deltas.reduce((a, b) => a + b, 0) / deltas.length;
    const sorted = [...deltas].sort((a, b) => a - b);
    const p95 = sorted[Math.floor(0.95 * (sorted.length - 1))];
    const max = sorted[sorted.length - 1];
    const figures = { jobs: 1000, eventsPerSecond: 100, updates: deltas.length, meanMs: mean, p95Ms: p95, maxMs: max, targetMs: 16 };
    writeFileSync(join(RESULTS, 'tasks-panel-perf.json'), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(
      `Tasks panel update time with 1,000 jobs at 100 events/s: mean ${mean.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, max ${max.toFixed(2)} ms over ${deltas.length} updates`,
    );
    // Events are batched per animation frame, so there are fewer updates than the 500 events.
    expect(deltas.length).toBeGreaterThanOrEqual(10);
    expect(mean).toBeLessThan(16);
    passed = true;
  }, 420_000);
});
