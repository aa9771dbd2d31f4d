import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';

/** A real redis-server on a free loopback port, in a temp dir, owned by the test that started it. */
export interface IRedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Stop it (SIGTERM by pid, then SIGKILL); idempotent. */
  stop(): Promise<void>;
  /** Stop it and start it again on the same port and dir (its append-only file, when persistent, brings the data back). */
  restart(downMs?: number): Promise<void>;
}

/** The repository root (for spawning `kernel/bin/taskcell.js`). */
export const ROOT = resolve(__dirname, '..', '..');

/** Start redis-server: in-memory only by default, or with an fsync-always append-only file when `persist`. */
export async function startRedis(options: { persist?: boolean } = {}): Promise<IRedisServer> {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error('redis-server is not installed; .ci/services/20-redis.mjs installs it (apt-get install redis-server)');
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tc-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no'];
  args.push(...(options.persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitForPing(port, 10_000);
  };
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.pid === undefined) return;
    const exited = new Promise((r) => c.once('exit', r));
    process.kill(c.pid, 'SIGTERM');
    const t = setTimeout(() => c.pid !== undefined && c.exitCode === null && process.kill(c.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  await launch();
  let stopped = false;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
    async restart(downMs = 500) {
      await kill();
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
  };
}

/** A BullMQ queue on the Redis at `port` (closed by the caller, or kept in `keep` to close later). */
export function bullQueue(port: number, name: string, keep?: Queue[]): Queue {
  const q = new Queue(name, { connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null } });
  keep?.push(q);
  return q;
}

/** Poll `f` until it gives something truthy, or throw naming `what` after `ms`. */
export async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A port no one listens on now. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

async function waitForPing(port: number, timeout: number): Promise<void> {
  const until = Date.now() + timeout;
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const sock = createConnection({ host: '127.0.0.1', port }, () => sock.write('PING\r\n'));
      sock.once('data', (d) => {
        sock.destroy();
        res(d.toString().startsWith('+PONG'));
      });
      sock.once('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not answer PING on port ${port} within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
