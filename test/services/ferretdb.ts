import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePort } from '../pool/redis';

/** A real FerretDB (MongoDB wire protocol on SQLite files) on a free loopback port, owned by the test that started it. */
export interface IFerretDb {
  readonly port: number;
  /** `mongodb://127.0.0.1:PORT` */
  readonly uri: string;
  /** `127.0.0.1:PORT`, as a binding's `host`. */
  readonly host: string;
  /** Stop it (SIGTERM by pid, then SIGKILL) and remove its data; idempotent. */
  stop(): Promise<void>;
}

/** Where `.ci/services/60-ferretdb.mjs` builds FerretDB. */
export const FERRETDB = join(ROOT, '.tools', 'bin', 'ferretdb');

/** Start FerretDB v1 with its SQLite backend in a temp dir. */
export async function startFerretDb(): Promise<IFerretDb> {
  if (!existsSync(FERRETDB) || spawnSync(FERRETDB, ['--version']).status !== 0) {
    throw new Error(`FerretDB is not built at ${FERRETDB}; .ci/services/60-ferretdb.mjs builds it (npm test does)`);
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tc-ferretdb-'));
  const child: ChildProcess = spawn(
    FERRETDB,
    [
      `--listen-addr=127.0.0.1:${port}`,
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--state-dir=${dir}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForListen(port, child, 20_000, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, uri: `mongodb://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, stop };
}

async function waitForListen(port: number, child: ChildProcess, timeout: number, stderr: () => string): Promise<void> {
  const until = Date.now() + timeout;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`ferretdb exited with code ${child.exitCode} before listening on port ${port}: ${stderr()}`);
    const ok = await new Promise<boolean>((res) => {
      const sock = connect({ host: '127.0.0.1', port }, () => {
        sock.destroy();
        res(true);
      });
      sock.once('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`ferretdb did not listen on port ${port} within ${timeout} ms: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stop a server process this test started: SIGTERM by its pid, SIGKILL after 5 s; nothing when it has ended. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(pid, 'SIGTERM');
  const t = setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(pid, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

/**
 * A server started on first use by a suite's tests and stopped after the suite (so a suite whose
 * other tests need no server does not start one).
 */
export function onDemand<T extends { stop(): Promise<void> }>(start: () => Promise<T>): () => Promise<T> {
  let server: Promise<T> | undefined;
  afterAll(async () => {
    if (server) await (await server).stop();
  });
  return () => (server ??= start());
}
