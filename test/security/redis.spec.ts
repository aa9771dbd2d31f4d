/**
 * The trust model's Redis half (attack 11) and the worker outcome of attack 9, against a real
 * redis-server that wants a password (`--requirepass`) and also listens with TLS: workers and
 * clients reach it with `redis://:PASSWORD@host:port` and `rediss://...`; without the password it
 * refuses; and an error outcome a worker leaves in Redis carries the typed error and its message
 * but no stack trace with the worker's paths.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job as BullJob, Queue } from 'bullmq';
import { TaskError, createRunner, setRunner, run, task } from '@taskcell/core';
import type { Runner } from '@taskcell/core';
import { registerPools, unpackBlob } from '@taskcell/pool';
import type { Blob } from '@taskcell/pool';
import { ROOT, freePort } from '../pool/redis';
import { spawnWorker } from '../pool/workers';
import type { IWorkerProcess } from '../pool/workers';

const CLI = join(ROOT, 'kernel', 'bin', 'taskcell.js');
const PASSWORD = 'correct horse';
const dir = mkdtempSync(join(tmpdir(), 'tc-sec-redis-'));
let redis: ChildProcess;
let port = 0;
let tlsPort = 0;
let worker: IWorkerProcess;
let tlsWorker: IWorkerProcess | undefined;
let runner: Runner;
let spec = '';
let queue: Queue | undefined;
const tlsEnv = { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') };
const auth = `:${encodeURIComponent(PASSWORD)}@127.0.0.1`;
const plainUrl = (queue: string) => `redis://${auth}:${port}?queue=${queue}`;
const tlsUrl = (queue: string) => `rediss://${auth}:${tlsPort}?queue=${queue}`;

const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env });
const redisCli = (args: string[]) =>
  spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim();

beforeAll(async () => {
  const cert = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ].concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
  );
  if (cert.status !== 0) throw new Error(`openssl could not make a test certificate: ${cert.stderr}`);
  port = await freePort();
  tlsPort = await freePort();
  redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', PASSWORD, '--save', '', '--appendonly', 'no', '--dir', dir].concat([
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      join(dir, 'cert.pem'),
      '--tls-key-file',
      join(dir, 'key.pem'),
      '--tls-ca-cert-file',
      join(dir, 'cert.pem'),
      '--tls-auth-clients',
      'no',
    ]),
    { stdio: 'ignore' },
  );
  for (let i = 0; redisCli(['--no-auth-warning', '-a', PASSWORD, 'ping']) !== 'PONG'; i++) {
    if (i > 100) throw new Error('redis-server did not answer within 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  spec = join(dir, 'inc.json');
  const number = (id: string) => ({ id, type: 'number', format: 'number' });
  writeFileSync(
    spec,
    JSON.stringify({ name: 'inc', mode: 'javascript', script: 'y = x + 1', inputs: [number('x')], outputs: [number('y')] }),
  );
  worker = await spawnWorker(plainUrl('pw'), 'pw-worker');
  runner = createRunner({ cacheDir: join(dir, 'cache') });
  registerPools(runner);
  setRunner(runner);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([runner?.close(), queue?.close(), worker?.stop(), tlsWorker?.stop()]);
  if (redis?.pid !== undefined && redis.exitCode === null) {
    const gone = new Promise((r) => redis.once('exit', r));
    process.kill(redis.pid, 'SIGTERM');
    await gone;
  }
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

test('a Redis with a password refuses whoever does not give it; workers and clients give it in the URL', () => {
  expect(redisCli(['ping'])).toMatch(/NOAUTH/);
  const r = cli(['run', spec, '--input', 'x=41', '--on', plainUrl('pw'), '--no-cache']);
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout)).toEqual({ y: { format: 'number', data: 42 } });
});

test('rediss:// URLs reach Redis over TLS, the certificate checked', async () => {
  tlsWorker = await spawnWorker(tlsUrl('tls'), 'tls-worker', [], tlsEnv);
  const r = cli(['run', spec, '--input', 'x=1', '--on', tlsUrl('tls'), '--no-cache', '--events'], tlsEnv);
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ y: { format: 'number', data: 2 } });
  expect(r.stderr).toMatch(/"name":"tls-worker"/);
  // Without the certificate's CA, the client does not trust the server and gets nothing done.
  const { NODE_EXTRA_CA_CERTS: _ca, ...untrusting } = tlsEnv;
  const refused = spawnSync(process.execPath, [CLI, 'run', spec, '--input', 'x=1', '--on', tlsUrl('tls'), '--no-cache'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 5000,
    env: untrusting,
  });
  expect(refused.status).not.toBe(0);
  expect(refused.stdout).toBe('');
}, 60_000);

test('attack 9: an error outcome a worker leaves in Redis has the typed error and message, and no stack paths', async () => {
  const boom = task({ name: 'boom', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => {
    if (x > 0) throw new RangeError(`x is ${x}, expected at most 0`);
    return x;
  });
  const jobId = `boom-${Date.now()}`;
  const err = await run(boom, { x: 3 }, { on: plainUrl('pw'), cache: false, jobId }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TaskError);
  expect((err as TaskError).message).toBe('RangeError: x is 3, expected at most 0');
  queue = new Queue('pw', { connection: { host: '127.0.0.1', port, password: PASSWORD, maxRetriesPerRequest: null } });
  const job = await BullJob.fromId(queue, jobId);
  const outcome = (await unpackBlob(job!.returnvalue as Blob, 'result')) as { ok: boolean; error: Record<string, unknown> };
  expect(outcome.ok).toBe(false);
  expect(outcome.error).toMatchObject({ code: 'taskcell:task', message: 'RangeError: x is 3, expected at most 0' });
  expect(JSON.stringify(outcome)).not.toMatch(/"stack"/);
  expect(JSON.stringify(outcome)).not.toContain(ROOT);
  // The error the client sees has no worker paths either.
  expect(String((err as Error).stack ?? '')).not.toContain(join(ROOT, 'packages'));
});
