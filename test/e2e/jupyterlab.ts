/// <reference lib="dom" />
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';

/** The repository root and its project venv. */
export const ROOT = join(__dirname, '..', '..');
export const VENV = join(ROOT, '.venv');
export const JUPYTER = join(VENV, 'bin', 'jupyter');

/** A `jupyter lab` of the project venv on a free loopback port with a token, in its own dirs. */
export interface ILab {
  url: string;
  token: string;
  root: string;
  process: ChildProcess;
  log: string[];
  stop(): Promise<void>;
}

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** What the e2e tests need from the venv; says what is missing and how to get it. */
export function checkVenv(): void {
  if (!existsSync(JUPYTER))
    throw new Error(`Expected JupyterLab in ${VENV}; run \`node .ci/services/40-jupyterlab.mjs\` (or \`npm test\`)`);
  const list = spawnSync(JUPYTER, ['labextension', 'list'], { encoding: 'utf8' });
  if (!/@taskcell\/jupyterlab v\S+ .*enabled/.test(`${list.stdout}${list.stderr}`))
    throw new Error(`Expected @taskcell/jupyterlab enabled in ${VENV}, got:\n${list.stdout}${list.stderr}`);
}

/** Start `jupyter lab` serving `root` (with `env` added to its environment and its kernels'), and wait until it answers. */
export async function startLab(root: string, env: NodeJS.ProcessEnv = {}): Promise<ILab> {
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const home = mkdtempSync(join(tmpdir(), 'taskcell-lab-'));
  const log: string[] = [];
  // No news prompt over the screenshots.
  const news = join(home, 'settings', '@jupyterlab', 'apputils-extension');
  mkdirSync(news, { recursive: true });
  writeFileSync(join(news, 'notification.jupyterlab-settings'), JSON.stringify({ fetchNews: 'false' }));
  const child = spawn(
    JUPYTER,
    [
      'lab',
      '--no-browser',
      `--ServerApp.ip=127.0.0.1`,
      `--ServerApp.port=${port}`,
      '--ServerApp.port_retries=0',
      `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${root}`,
      `--LabApp.user_settings_dir=${join(home, 'settings')}`,
      `--LabApp.workspaces_dir=${join(home, 'workspaces')}`,
      '--LabApp.expose_app_in_browser=True',
      '--LabServerApp.open_browser=False',
      ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        ...env,
        JUPYTER_CONFIG_DIR: join(home, 'config'),
        JUPYTER_RUNTIME_DIR: join(home, 'runtime'),
        PATH: `${join(VENV, 'bin')}:${process.env.PATH}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`jupyter lab exited with ${child.exitCode}:\n${log.join('')}`);
    try {
      const r = await fetch(`${url}/api/status?token=${token}`);
      if (r.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`jupyter lab did not answer within 60 s:\n${log.join('')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      const timeout = new Promise<void>((r) => setTimeout(r, 10_000));
      await Promise.race([exited, timeout]);
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    }
    rmSync(home, { recursive: true, force: true });
  };
  return { url, token, root, process: child, log, stop };
}

/** Chromium flags for a headless run on a machine with no GPU, sandbox or network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A headless Chromium on a fresh profile, its first page, and what the page logged. */
export interface IBrowser {
  context: BrowserContext;
  page: Page;
  /** Console messages (`type: text`) and page errors, in order. */
  log: string[];
  /** Close the browser and remove its profile. Idempotent. */
  close(): Promise<void>;
}

/** Launch Debian's Chromium headless with a fresh profile; every page wait is bounded by 60 s. */
export async function openBrowser(viewport: { width: number; height: number }): Promise<IBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'taskcell-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    acceptDownloads: false,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(60_000);
  const log: string[] = [];
  page.on('pageerror', (err) => log.push(`page error: ${err.message}`));
  page.on('console', (msg) => log.push(`${msg.type()}: ${msg.text()}`));
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, page, log, close };
}

/** Open `path` (relative to the lab's root) and wait until its taskcell kernel is idle and its cells show. */
export async function openNotebook(page: Page, lab: ILab, path: string): Promise<void> {
  await page.goto(`${lab.url}/lab/tree/${path}?token=${lab.token}`);
  await page.waitForFunction(
    () => {
      /* eslint-disable-next-line @typescript-eslint/no-explicit-any -- JupyterLab's untyped global */
      const w = (window as unknown as { jupyterapp: any }).jupyterapp?.shell?.currentWidget;
      const kernel = w?.sessionContext?.session?.kernel;
      return kernel?.name === 'taskcell' && kernel.status === 'idle' && w.content?.widgets?.length > 0;
    },
    null,
    { timeout: 90_000, polling: 250 },
  );
}

/** The tail of the browser's console and of the server's log, for a failure message. */
export function failureLogs(browserLog: string[], lab: ILab | undefined): string {
  return (
    `--- browser console (last 40) ---\n${browserLog.slice(-40).join('\n')}` +
    `\n--- jupyter lab log (last 60 lines) ---\n${lab?.log.join('').split('\n').slice(-60).join('\n')}`
  );
}

/** Write `dir/name`: a notebook for the taskcell kernel with one code cell per source. */
export function writeNotebook(dir: string, name: string, sources: string[]): void {
  const notebook = {
    cells: sources.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
    metadata: {
      kernelspec: { display_name: 'TypeScript (taskcell)', language: 'typescript', name: 'taskcell' },
      language_info: { name: 'typescript' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  writeFileSync(join(dir, name), JSON.stringify(notebook, null, 1));
}

/** Run cell `index` of the open notebook, without waiting for it. */
export async function startCell(page: Page, index: number): Promise<void> {
  await page.evaluate((i) => {
    /* eslint-disable-next-line @typescript-eslint/no-explicit-any -- JupyterLab's untyped global */
    const app = (window as unknown as { jupyterapp: any }).jupyterapp;
    app.shell.currentWidget.content.activeCellIndex = i;
    void app.commands.execute('notebook:run-cell');
  }, index);
}

/** Run cell `index` of the open notebook and wait until it has an execution count and the kernel is idle. */
export async function runCell(page: Page, index: number, timeout = 90_000): Promise<void> {
  await startCell(page, index);
  await page.waitForFunction(
    (i) => {
      /* eslint-disable-next-line @typescript-eslint/no-explicit-any -- JupyterLab's untyped global */
      const w = (window as unknown as { jupyterapp: any }).jupyterapp.shell.currentWidget;
      return w.content.widgets[i].model.executionCount !== null && w.sessionContext.session.kernel.status === 'idle';
    },
    index,
    { timeout, polling: 100 },
  );
}

/** One e2e file's JupyterLab and browser, set up once for its tests. */
export interface ILabSuite {
  lab: ILab;
  browser: IBrowser;
  page: Page;
  /** The lab's root folder, made empty for this file. */
  root: string;
  /** Mark the running test as passed; a test that ends without it leaves a screenshot and the logs. */
  pass(): void;
}

/**
 * Register the hooks of an e2e file: before its tests, an empty temp folder filled by `fill`, a
 * JupyterLab on it and a browser of `viewport`; after a test that did not call `pass()`, a
 * screenshot (`test-results/NAME-failure.png`) and the browser's and server's logs; after all, every
 * part stopped and the folder removed. Call it inside `describe`; the fields are set in its `beforeAll`.
 * `env` (read when the lab starts, so after the `beforeAll` hooks registered earlier) is added to
 * the environment of the lab and its kernels.
 */
export function labSuite(
  name: string,
  fill: (root: string) => void,
  viewport: { width: number; height: number },
  env: () => NodeJS.ProcessEnv = () => ({}),
): ILabSuite {
  let passed = false;
  // The other fields are set in beforeAll, before any test reads them.
  const suite = {
    pass: () => {
      passed = true;
    },
  } as Partial<ILabSuite> as ILabSuite;
  beforeAll(async () => {
    checkVenv();
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    suite.root = mkdtempSync(join(tmpdir(), `taskcell-e2e-${name}-`));
    fill(suite.root);
    suite.lab = await startLab(suite.root, env());
    suite.browser = await openBrowser(viewport);
    suite.page = suite.browser.page;
  }, 120_000);
  afterEach(async () => {
    if (!passed) {
      await suite.page?.screenshot({ path: join(ROOT, 'test-results', `${name}-failure.png`) }).catch(() => undefined);
      console.log(failureLogs(suite.browser?.log ?? [], suite.lab));
    }
    passed = false;
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.lab?.stop();
    if (suite.root) rmSync(suite.root, { recursive: true, force: true });
  }, 60_000);
  return suite;
}

/** Switch JupyterLab's theme and wait until the page says it is applied. */
export async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  const name = theme === 'dark' ? 'JupyterLab Dark' : 'JupyterLab Light';
  await page.evaluate(
    /* eslint-disable-next-line @typescript-eslint/no-explicit-any -- JupyterLab's untyped global */
    (n) => (window as unknown as { jupyterapp: any }).jupyterapp.commands.execute('apputils:change-theme', { theme: n }),
    name,
  );
  await page.waitForFunction((light) => document.body.dataset.jpThemeLight === String(light), theme === 'light', {
    timeout: 30_000,
  });
  // Let the new theme's variables reach every computed style before anything reads colours.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/**
 * WCAG AA colour-contrast violations (axe-core's `color-contrast` rule) inside `selector`, one line
 * each: the rule's summary and the offending element's HTML. An empty list means every text passes.
 */
export async function contrastViolations(page: Page, selector: string): Promise<string[]> {
  const hasAxe = await page.evaluate(() => 'axe' in window);
  if (!hasAxe) await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return page.evaluate(async (sel) => {
    /* eslint-disable-next-line @typescript-eslint/no-explicit-any -- axe-core's global, injected above */
    const axe = (window as unknown as { axe: any }).axe;
    const found = document.querySelectorAll(sel);
    if (found.length === 0) return [`nothing matches ${sel}`];
    const result = await axe.run(Array.from(found), {
      runOnly: { type: 'rule', values: ['color-contrast'] },
      resultTypes: ['violations'],
    });
    return result.violations.flatMap((v: { nodes: Array<{ failureSummary: string; html: string }> }) =>
      v.nodes.map((n) => `${n.failureSummary.replace(/\s+/g, ' ')} :: ${n.html.slice(0, 200)}`),
    );
  }, selector);
}
