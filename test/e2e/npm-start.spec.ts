/**
 * `npm start` as the README gives it: setup, then JupyterLab from the project venv on examples/,
 * opening the panel tour, with the taskcell kernel and extension there.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, checkVenv, freePort } from './jupyterlab';

jest.setTimeout(240_000);

test('npm start serves the examples with the taskcell kernel and extension', async () => {
  checkVenv();
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const runtime = mkdtempSync(join(tmpdir(), 'taskcell-start-'));
  const log: string[] = [];
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
  } finally {
    if (child.exitCode === null && child.pid !== undefined) {
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
    }
    rmSync(runtime, { recursive: true, force: true });
  }
});
