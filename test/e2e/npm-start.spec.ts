/**
 * `npm start` as the README gives it: setup, each step numbered and saying what it installs, then
 * JupyterLab from the project venv on examples/, opening the panel tour, with the taskcell kernel
 * and extension there: in a browser, the Launcher offers the kernel and the file browser lists the
 * examples.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, checkVenv, freePort, openBrowser } from './jupyterlab';
import type { IBrowser } from './jupyterlab';

jest.setTimeout(240_000);

test('npm start serves the examples with the taskcell kernel and extension', async () => {
  checkVenv();
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const runtime = mkdtempSync(join(tmpdir(), 'taskcell-start-'));
  // A fresh workspace (so the Launcher shows) and no news prompt over it.
  const news = join(runtime, 'settings', '@jupyterlab', 'apputils-extension');
  mkdirSync(news, { recursive: true });
  writeFileSync(join(news, 'notification.jupyterlab-settings'), JSON.stringify({ fetchNews: 'false' }));
  const log: string[] = [];
  let browser: IBrowser | undefined;
  // Its own process group, so the JupyterLab it starts ends with it.
  const child = spawn(
    'npm',
    [
      'start',
      '--',
      '--no-browser',
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.port=${port}`,
      '--ServerApp.port_retries=0',
      `--IdentityProvider.token=${token}`,
      `--LabApp.user_settings_dir=${join(runtime, 'settings')}`,
      `--LabApp.workspaces_dir=${join(runtime, 'workspaces')}`,
    ],
    { cwd: ROOT, detached: true, env: { ...process.env, JUPYTER_RUNTIME_DIR: runtime }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => log.push(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const get = async (path: string) => {
    const r = await fetch(`${url}${path}${path.includes('?') ? '&' : '?'}token=${token}`);
    return { status: r.status, body: r.ok ? ((await r.json()) as Record<string, unknown>) : undefined };
  };
  try {
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${log.join('')}`);
      const up = await get('/api/status').catch(() => undefined);
      if (up?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`npm start did not serve within 180 s:\n${log.join('')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const specs = await get('/api/kernelspecs');
    expect(Object.keys((specs.body?.kernelspecs as object) ?? {})).toContain('taskcell');
    expect((await get('/api/contents/panel-tour.ipynb?content=0')).status).toBe(200);
    const page = await fetch(`${url}/lab?token=${token}`).then((r) => r.text());
    expect(page).toContain('@taskcell/jupyterlab');

    // Every setup step announced with its number and what it installs, and closed.
    const out = log.join('');
    const steps = [...out.matchAll(/^\[(\d+)\/(\d+)\] (.+)$/gm)].map((m) => ({ n: Number(m[1]), of: Number(m[2]), text: m[3] }));
    const total = steps[0]?.of;
    expect(total).toBeGreaterThanOrEqual(4);
    for (let n = 1; n < total; n++) {
      const lines = steps.filter((s) => s.n === n).map((s) => s.text);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(/\(\d+\.\d s\)$/);
    }
    expect(steps.map((s) => s.text)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Node packages/),
        expect.stringMatching(/^Python venv/),
        expect.stringMatching(/^JupyterLab with the taskcell extension and kernelspec/),
        expect.stringMatching(/^JupyterLab on examples\/ with the taskcell kernel/),
      ]),
    );

    // In a browser: the Launcher offers the taskcell kernel, and the file browser lists the examples.
    browser = await openBrowser({ width: 1280, height: 800 });
    await browser.page.goto(`${url}/lab?token=${token}`);
    const notebookSection = browser.page.locator('.jp-Launcher-section', {
      has: browser.page.locator('.jp-Launcher-sectionTitle', { hasText: /^Notebook$/ }),
    });
    await notebookSection.locator('.jp-LauncherCard', { hasText: 'TypeScript (taskcell)' }).waitFor();
    const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.ipynb'));
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const name of [...examples, 'challenge'])
      await browser.page
        .locator('.jp-DirListing-item .jp-DirListing-itemText', { hasText: new RegExp(`^${name.replace('.', '\\.')}$`) })
        .waitFor();
    await browser.page.screenshot({ path: join(ROOT, 'test-results', 'npm-start-launcher.png') });
  } finally {
    await browser?.close();
    if (child.exitCode === null && child.pid !== undefined) {
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
    }
    rmSync(runtime, { recursive: true, force: true });
  }
});
