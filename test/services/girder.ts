import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { ROOT, freePort } from '../pool/redis';
import { startFerretDb, stopChild } from './ferretdb';
import type { IFerretDb } from './ferretdb';

/** Where `.ci/services/70-girder.mjs` installs Girder. */
export const GIRDER = join(ROOT, '.venv-girder', 'bin', 'girder');

/** A real Girder 5 on a free loopback port, on a FerretDB of its own, with an admin signed in. */
export interface IGirder {
  /** `http://127.0.0.1:PORT/api/v1` */
  readonly apiUrl: string;
  /** The admin's token. */
  readonly token: string;
  readonly db: IFerretDb;
  /** A JSON call as the admin; a non-2xx answer throws with Girder's message. */
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    params?: Record<string, string | number | boolean>,
    body?: string,
  ): Promise<T>;
  /** Bytes of a file. */
  download(fileId: string): Promise<Buffer>;
  /** Stop Girder and its database (SIGTERM by pid, then SIGKILL); idempotent. */
  stop(): Promise<void>;
}

/**
 * Start FerretDB, then Girder on it with a temporary filesystem assetstore, and sign up the first
 * user (Girder makes it admin).
 *
 * Two things FerretDB v1 lacks are kept out of Girder's way: at start-up Girder's
 * `Setting.reconnect` looks for duplicate settings with an aggregation using `$group` `$first`,
 * which FerretDB refuses (error code 238), unless the unique index on `setting.key` exists, so the
 * index is made first; and Girder's `find` asks for `noCursorTimeout: true`, a value FerretDB
 * refuses for that field, unless `GIRDER_MAX_CURSOR_TIMEOUT_MS` gives cursors a time limit.
 * Girder logs that FerretDB cannot make its text and TTL indexes; nothing here searches text.
 */
export async function startGirder(): Promise<IGirder> {
  if (!existsSync(GIRDER)) throw new Error(`Girder is not installed at ${GIRDER}; .ci/services/70-girder.mjs installs it (npm test does)`);
  const db = await startFerretDb();
  const mongo = new MongoClient(db.uri);
  try {
    await mongo.db('girder').collection('setting').createIndex({ key: 1 }, { unique: true });
  } catch (err) {
    await db.stop();
    throw err;
  } finally {
    await mongo.close();
  }
  const port = await freePort();
  const home = mkdtempSync(join(tmpdir(), 'tc-girder-'));
  const apiUrl = `http://127.0.0.1:${port}/api/v1`;
  const child: ChildProcess = spawn(
    GIRDER,
    [
      'serve',
      '--mode',
      'testing',
      '--database',
      `${db.uri}/girder`,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--with-temp-assetstore',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: home, GIRDER_MAX_CURSOR_TIMEOUT_MS: '600000' }, cwd: home },
  );
  let log = '';
  const keep = (d: Buffer) => (log = (log + d.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopChild(child);
    await db.stop();
    rmSync(home, { recursive: true, force: true });
  };
  let token = '';
  const call = async <T>(
    method: string,
    path: string,
    params: Record<string, string | number | boolean> = {},
    body?: string,
  ): Promise<T> => {
    const url = new URL(`${apiUrl}/${path}`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = token ? { 'Girder-Token': token } : {};
    if (typeof body === 'string') headers['Content-Type'] = 'application/json';
    const r = await fetch(url, { method, headers, body });
    const text = await r.text();
    if (!r.ok) throw new Error(`Girder ${method} ${path}: ${r.status} ${text}`);
    return JSON.parse(text) as T;
  };
  try {
    const until = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`girder serve exited with code ${child.exitCode}: ${log}`);
      const up = await fetch(`${apiUrl}/system/version`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (Date.now() > until) throw new Error(`girder serve did not answer on port ${port} within 90 s: ${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const user = await call<{ authToken: { token: string } }>('POST', 'user', {
      login: 'admin',
      email: 'admin@example.com',
      firstName: 'Ada',
      lastName: 'Admin',
      password: 'taskcell-admin-1',
    });
    token = user.authToken.token;
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- girder log ---\n${log}`);
  }
  return {
    apiUrl,
    get token() {
      return token;
    },
    db,
    call,
    async download(fileId) {
      const r = await fetch(`${apiUrl}/file/${fileId}/download`, { headers: { 'Girder-Token': token } });
      if (!r.ok) throw new Error(`Girder GET file/${fileId}/download: ${r.status} ${await r.text()}`);
      return Buffer.from(await r.arrayBuffer());
    },
    stop,
  };
}
